/**
 * Rows of text as aligned columns for a terminal: each column as wide as its widest cell
 * (counted in code points), two spaces between columns, no trailing blanks. Cells are
 * taken as they are: make hostile text safe (tableCell) before it gets here.
 *
 * @example
 * alignColumns([['name', 'n'], ['alpha', '12']], [false, true]);
 * // ['name    n', 'alpha  12']
 */
export function alignColumns(
  rows: readonly (readonly string[])[],
  rightAligned: readonly boolean[] = [],
): string[] {
  const width = (cell: string) => [...cell].length;
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - width(cell));
        return rightAligned[i] ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}
