// The folder results as CSV, for a spreadsheet. File names and class names (a trained model's
// classes are its dataset's folder names) reach the cells as they are, so a cell that a
// spreadsheet would run as a formula gets a leading apostrophe (OWASP "CSV injection").
import Papa from 'papaparse';
import type { FolderItem } from '../../../src-main/contract';

/**
 * A cell starting like a formula: = + - @, or a tab or carriage return before one. Not
 * Papa's own default (/^[=+\-@\t\r].*$/): its `.` stops at a newline, so "=1\nx" got through.
 */
const FORMULA = /^[=+\-@\t\r]/;

export const CSV_FIELDS = ['file', 'label', 'probability', 'label_2', 'probability_2', 'label_3', 'probability_3', 'error'] as const;

/** One row per image, top three labels; probabilities stay numbers (never escaped). */
export function predictionsCsv(items: readonly FolderItem[]): string {
  return Papa.unparse(
    {
      fields: [...CSV_FIELDS],
      data: items.map((i) => {
        const t = i.top ?? [];
        return [i.file, t[0]?.label ?? '', t[0]?.probability ?? '', t[1]?.label ?? '', t[1]?.probability ?? '', t[2]?.label ?? '', t[2]?.probability ?? '', i.error ?? ''];
      }),
    },
    { escapeFormulae: FORMULA },
  );
}
