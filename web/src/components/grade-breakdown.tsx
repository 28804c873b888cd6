/**
 * One grade in full: resolved or not, the tests it fixed, broke and passed, what looked
 * wrong (integrity flags), and the score with the parts it is the sum of. Test ids and flag
 * messages come from the repository's test output: text only.
 */
import { formatContribution, gradeFigures } from '../lib/battle-view.js';
import { cleanText } from '../lib/clean-text.js';
import type { Grade } from '../lib/types.js';

export function GradeBreakdown({ grade }: { grade: Grade }) {
  const figures = gradeFigures(grade);
  const failing = grade.failToPass.failing;
  const broken = grade.passToPass.broken;
  return (
    <div className="grade" data-testid="grade">
      <p className="grade-head">
        <span className={grade.resolved ? 'ok' : 'bad'} data-testid="resolved">
          {grade.infrastructure ? 'not graded' : grade.resolved ? 'resolved' : 'not resolved'}
        </span>
        <span className="score" data-testid="score">
          score {grade.score.toFixed(2)}
        </span>
      </p>
      {grade.infrastructureReason && (
        <p className="warn small">{cleanText(grade.infrastructureReason)}</p>
      )}
      <dl className="figures">
        <dt>fixed</dt>
        <dd data-testid="fixed">{figures.fixed}</dd>
        <dt>broken</dt>
        <dd data-testid="broken" className={figures.broken > 0 ? 'bad' : undefined}>
          {figures.broken}
        </dd>
        <dt>passed</dt>
        <dd data-testid="passed">{figures.passed ?? '–'}</dd>
      </dl>
      {(failing.length > 0 || broken.length > 0) && (
        <details className="tests">
          <summary>Tests not passing</summary>
          <ul>
            {failing.map((id) => (
              <li key={`f:${id}`}>
                <span className="muted">still failing</span> <code>{cleanText(id)}</code>
              </li>
            ))}
            {broken.map((id) => (
              <li key={`b:${id}`}>
                <span className="bad">broken</span> <code>{cleanText(id)}</code>
              </li>
            ))}
            {grade.failToPass.unlisted + grade.passToPass.unlisted > 0 && (
              <li className="muted">
                and {grade.failToPass.unlisted + grade.passToPass.unlisted} more
              </li>
            )}
          </ul>
        </details>
      )}
      {grade.flags.length > 0 && (
        <ul className="flags">
          {grade.flags.map((f, i) => (
            <li key={i} className="warn">
              <code>{f.code}</code> {cleanText(f.message)}
            </li>
          ))}
        </ul>
      )}
      <table className="breakdown" aria-label="score breakdown">
        <tbody>
          {grade.breakdown.map((part, i) => (
            <tr key={i}>
              <th scope="row">{part.part}</th>
              <td className="num">{formatContribution(part)}</td>
              <td className="note">{cleanText(part.note)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
