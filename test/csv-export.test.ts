// "Save as CSV" of a folder's results: names that a spreadsheet would run as formulae are defused.
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { FolderItem } from '../src-main/contract.ts';
import { CSV_FIELDS, predictionsCsv } from '../src-renderer/src/lib/csv.ts';

const item = (file: string, labels: string[], error?: string): FolderItem => ({
  file,
  name: file.split('/').pop()!,
  top: labels.map((label, index) => ({ index, id: `c${index}`, label, probability: 0.5 / (index + 1) })),
  ...(error ? { error } : {}),
});

const rows = (csv: string) => Papa.parse<string[]>(csv, { skipEmptyLines: true }).data;

describe('predictionsCsv', () => {
  it('puts an apostrophe before every cell that starts with = + - @, a tab or a carriage return', () => {
    const hostile = ['=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', '=1\n+2'];
    const csv = predictionsCsv(
      [
        item(`/photos/${hostile[0]}.jpg`, [hostile[1]!, hostile[2]!, hostile[3]!]),
        { file: hostile[0]!, name: hostile[0]!, top: [{ index: 0, id: 'x', label: hostile[4]!, probability: 1 }], error: hostile[5] },
        { file: hostile[6]!, name: 'n', error: '-failed' },
      ],
      'mobilenet',
    );
    const [header, a, b, c] = rows(csv);
    expect(header).toEqual([...CSV_FIELDS]);
    // A path starting with / is no formula and stays as it is.
    expect(a).toEqual([`/photos/${hostile[0]}.jpg`, 'mobilenet', `'${hostile[1]}`, '0.5', `'${hostile[2]}`, '0.25', `'${hostile[3]}`, String(0.5 / 3), '']);
    expect(b).toEqual([`'${hostile[0]}`, 'mobilenet', `'${hostile[4]}`, '1', '', '', '', '', `'${hostile[5]}`]);
    expect(c).toEqual([`'${hostile[6]}`, 'mobilenet', '', '', '', '', '', '', "'-failed"]);
    // No cell of the file as written starts a formula (quoted or not).
    for (const row of rows(csv)) for (const cell of row) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('leaves ordinary names and the probabilities alone, names the model, and writes labels as the app shows them', () => {
    const csv = predictionsCsv([item('/photos/tench 1.jpg', ['tench', 'goldfish', 'great_white_shark']), item('C:\\p\\a,b.png', ['a"b', 'x', 'y'])], 'my-pets');
    const [header, a, b] = rows(csv);
    expect(header!.slice(0, 3)).toEqual(['file', 'model', 'label']);
    expect(a).toEqual(['/photos/tench 1.jpg', 'my-pets', 'tench', '0.5', 'goldfish', '0.25', 'great white shark', String(0.5 / 3), '']);
    expect(b?.slice(0, 3)).toEqual(['C:\\p\\a,b.png', 'my-pets', 'a"b']);
  });
});
