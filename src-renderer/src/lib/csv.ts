// The folder results as CSV, for a spreadsheet. File names and class names (a trained model's
// classes are its dataset's folder names) reach the cells as they are, so a cell that a
// spreadsheet would run as a formula gets a leading apostrophe (OWASP "CSV injection").
import Papa from 'papaparse';
import type { FolderItem } from '../../../src-main/contract';
import { displayLabel } from '../../../src-main/shared/labels';

/**
 * A cell starting like a formula: = + - @, or a tab or carriage return before one. Not
 * Papa's own default (/^[=+\-@\t\r].*$/): its `.` stops at a newline, so "=1\nx" got through.
 */
const FORMULA = /^[=+\-@\t\r]/;

export const CSV_FIELDS = ['file', 'model', 'label', 'probability', 'label_2', 'probability_2', 'label_3', 'probability_3', 'error'] as const;

/**
 * One row per image, top three labels as people read them (shared/labels.ts), and the model that
 * answered (as `predict --model` names it), so a file says where its numbers came from;
 * probabilities stay numbers (never escaped).
 */
export function predictionsCsv(items: readonly FolderItem[], model: string): string {
  return Papa.unparse(
    {
      fields: [...CSV_FIELDS],
      data: items.map((i) => {
        const t = i.top ?? [];
        const label = (k: number) => (t[k] ? displayLabel(t[k].label) : '');
        return [i.file, model, label(0), t[0]?.probability ?? '', label(1), t[1]?.probability ?? '', label(2), t[2]?.probability ?? '', i.error ?? ''];
      }),
    },
    { escapeFormulae: FORMULA },
  );
}
