/**
 * What a page of one thing (an instance, a battle) shows until its record is there: the way
 * back to its list, and either the error that kept it from loading or that it is loading.
 */
export function NotLoaded(props: {
  back: { href: string; label: string };
  id: string;
  error: string | null;
}) {
  return (
    <section>
      <p>
        <a href={props.back.href}>← {props.back.label}</a>
      </p>
      {props.error ? (
        <p className="error" role="alert">
          {props.error}
        </p>
      ) : (
        <p className="muted">Loading {props.id}…</p>
      )}
    </section>
  );
}
