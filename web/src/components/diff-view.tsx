/**
 * The instance's work against its base (`GET /v1/instances/{id}/diff`), or only what its
 * latest run changed (`?since=turn`: a resumed instance's last turn): the files with their
 * added and deleted line counts, then each file's patch with additions and deletions
 * coloured and the code coloured by its language (lib/highlight.ts). Every path and line is
 * text.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, describeError } from '../lib/api.js';
import { cleanText } from '../lib/clean-text.js';
import { grammarFor, highlightLine } from '../lib/highlight.js';
import { parsePatch, type PatchLine } from '../lib/parse-patch.js';
import type { DiffResult } from '../lib/types.js';

export function DiffView({ id, version }: { id: string; version: string }) {
  const [diff, setDiff] = useState<DiffResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [since, setSince] = useState<'base' | 'turn'>('base');
  const load = useCallback(() => {
    api.diff(id, since).then(
      (d) => {
        setDiff(d);
        setError(null);
      },
      (e: unknown) => setError(describeError(e)),
    );
  }, [id, since]);
  // Loaded again whenever the record changes (a run ended: its branch moved).
  useEffect(load, [load, version]);
  const files = useMemo(() => (diff ? parsePatch(diff.patch) : []), [diff]);
  return (
    <div className="diff" data-testid="diff">
      <div className="row">
        <button type="button" onClick={load}>
          Refresh
        </button>
        <label>
          Since{' '}
          <select
            value={since}
            onChange={(e) => setSince(e.target.value === 'turn' ? 'turn' : 'base')}
          >
            <option value="base">the base</option>
            <option value="turn">the last turn</option>
          </select>
        </label>
        {diff && (
          <span className="muted small">
            {cleanText(diff.branch)} against {diff.base.slice(0, 12)}
          </span>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {diff && diff.files.length === 0 && (
        <p className="muted">
          {since === 'turn' ? 'No changes in the last turn.' : 'No changes against the base.'}
        </p>
      )}
      {diff && diff.files.length > 0 && (
        <ul className="diff-files">
          {diff.files.map((f) => (
            <li key={f.path}>
              <code>{cleanText(f.path)}</code> <span className="add">+{f.added ?? '?'}</span>{' '}
              <span className="del">−{f.deleted ?? '?'}</span>
            </li>
          ))}
        </ul>
      )}
      {files.map((file) => (
        <section key={file.path} className="diff-file" aria-label={`diff of ${file.path}`}>
          <h3>
            <code>{file.path}</code>
          </h3>
          <PatchLines lines={file.lines} grammar={grammarFor(file.path)} />
        </section>
      ))}
    </div>
  );
}

/** A file's lines: the code of added, deleted and context lines coloured by its language. */
function PatchLines({
  lines,
  grammar,
}: {
  lines: PatchLine[];
  grammar: ReturnType<typeof grammarFor>;
}) {
  return (
    <pre>
      {lines.map((line, i) => {
        const code = line.kind === 'add' || line.kind === 'del' || line.kind === 'context';
        return (
          <span key={i} className={`dl dl-${line.kind}`}>
            {code ? (
              <>
                {line.text.slice(0, 1)}
                {highlightLine(line.text.slice(1), grammar).map((piece, j) =>
                  piece.kind === null ? (
                    piece.text
                  ) : (
                    <span key={j} className={`tk tk-${piece.kind}`}>
                      {piece.text}
                    </span>
                  ),
                )}
              </>
            ) : (
              line.text
            )}
            {'\n'}
          </span>
        );
      })}
    </pre>
  );
}
