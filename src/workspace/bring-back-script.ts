/**
 * The in-sandbox half of bring-back: a shell function that turns what the workspace holds
 * into one commit and a git bundle, using nothing the agent could have configured.
 *
 * The agent owns its repository: `.git/config` (filters, `core.excludesFile`,
 * `core.autocrlf`, `core.ignoreCase`, `core.worktree`, `core.fileMode`, `include.path`…),
 * `~/.gitconfig`, attributes, hooks, the index and `info/exclude`. Any of those can make
 * `git add -A` in that repository see less than the working tree holds, and the work would
 * silently not come back. So the commit is made in a private repository of corral's
 * (`.git/corral-bring-back.git`), created afresh each time: its own config, an
 * `info/attributes` that switches off every content conversion (highest precedence, over
 * any `.gitattributes` in the tree), a fresh index read from the agent's HEAD, and the
 * agent's objects reached as an alternate. The agent's HEAD is read from the ref files
 * themselves, not through its config. Only `.gitignore` files in the tree (content the
 * work itself carries) decide what is left out, plus the backend's own placeholders.
 *
 * Afterwards the new objects, the branch and the index are copied back into the agent's
 * repository as plain files (best effort), so a resumed instance starts where this run
 * ended. The report (`tip=`, `committed=`, `head=`) goes to `.git` and stdout.
 */

export interface BringBackScriptOptions {
  /** For a detached launch: its tag, naming its directory under `.git/corral-io/`. */
  launchTag?: string;
  id: string;
  agent: string;
  /** The commit the branch started at. */
  baseTip: string;
  /** The workspace's `.git` directory as the sandbox sees it; the work tree is its parent. */
  gitDir: string;
  /**
   * Paths in the work tree that the backend itself placed there (not the agent's work),
   * as gitignore patterns; left out when untracked.
   */
  excludes?: readonly string[];
}

/** File names, inside the workspace's `.git`, of what the in-sandbox step leaves. */
export const bringBackFiles = {
  bundle: 'corral-bring-back.bundle',
  report: 'corral-bring-back.report',
  privateRepo: 'corral-bring-back.git',
};

/**
 * What a detached launch leaves in `.git/corral-io/<tag>/`, written by the sandbox: the
 * command's two streams, its exit code once it ended, and `done` once the work is committed
 * and bundled. The host only reads them, never following a link.
 */
export const launchFiles = {
  dir: 'corral-io',
  stdout: 'stdout',
  stderr: 'stderr',
  exit: 'exit',
  done: 'done',
};

/** corral's own repository settings, appended to what `git init` wrote: every setting
 * that changes what `add` sees, pinned. */
const privateConfig = `[core]
	bare = false
	filemode = true
	symlinks = true
	ignorecase = false
	precomposeunicode = false
	autocrlf = false
	safecrlf = false
	hooksPath = /dev/null
	fsmonitor = false
	untrackedCache = false
	splitIndex = false
	sparseCheckout = false
	commitGraph = false
	multiPackIndex = false
	excludesFile = /dev/null
	attributesFile = /dev/null
[index]
	sparse = false
[commit]
	gpgSign = false
[gc]
	auto = 0`;

/** Highest-precedence attributes: no filter, no end-of-line or encoding conversion, no ident. */
const privateAttributes = '* -text -eol -crlf -filter -ident -working-tree-encoding';

const { bundle, report, privateRepo } = bringBackFiles;

/**
 * `bring_back`: reads the agent's HEAD, commits the work tree on it in the private
 * repository, writes the bundle and the report. Fails (non-zero, a line on stderr) when
 * the agent's objects are gone, so that the caller keeps the workspace.
 */
const bringBackFunction = `bring_back() {
  set -eu
  A=$CORRAL_GIT_DIR
  W=$(dirname "$A")
  P="$A/${privateRepo}"
  rm -f "$A/${bundle}" "$A/${report}"
  if [ ! -d "$A/objects" ]; then
    echo "corral: $A/objects is gone: the repository in the workspace was removed or damaged" >&2
    return 3
  fi
  # Nothing from the environment, the system or the agent's home steers git here.
  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_COMMON_DIR \\
    GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT \\
    GIT_NAMESPACE GIT_REPLACE_REF_BASE GIT_GRAFT_FILE GIT_SHALLOW_FILE GIT_TEMPLATE_DIR \\
    GIT_ATTR_SOURCE GIT_QUARANTINE_PATH GIT_CEILING_DIRECTORIES
  export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_NO_REPLACE_OBJECTS=1 \\
    GIT_TERMINAL_PROMPT=0 GIT_OPTIONAL_LOCKS=0 HOME="$A" XDG_CONFIG_HOME="$A"
  rm -rf "$P"
  format=sha1
  [ "\${#CORRAL_BASE}" -eq 64 ] && format=sha256
  git init --quiet --bare --template= --object-format="$format" "$P" >/dev/null
  export HOME="$P" XDG_CONFIG_HOME="$P"
  cat >> "$P/config" <<'CORRAL_CONFIG'
${privateConfig}
CORRAL_CONFIG
  mkdir -p "$P/info" "$P/objects/info"
  printf '%s\\n' '${privateAttributes}' > "$P/info/attributes"
  printf '%s\\n' "$CORRAL_EXCLUDES" > "$P/info/exclude"
  printf '%s\\n' "$A/objects" > "$P/objects/info/alternates"
  g() { git --git-dir="$P" --work-tree="$W" "$@"; }

  # The agent's HEAD, read from the ref files (symbolic refs at most five deep), not through
  # its config.
  ref=HEAD head= headref=
  for i in 1 2 3 4 5; do
    if [ -f "$A/$ref" ]; then v=$(head -n 1 "$A/$ref" 2>/dev/null || true)
    else v=$(awk -v r="$ref" '$2 == r { print $1; exit }' "$A/packed-refs" 2>/dev/null || true)
    fi
    case "$v" in
      "ref: refs/"*) ref=\${v#ref: }; headref=$ref ;;
      *) head=$v; break ;;
    esac
  done
  headok=0
  case "$head" in
    *[!0-9a-f]*|"") ;;
    *) if [ "\${#head}" -eq "\${#CORRAL_BASE}" ] && g cat-file -e "$head^{commit}" 2>/dev/null; then headok=1; fi ;;
  esac
  if [ "$headok" = 1 ]; then parent=$head; else parent=$CORRAL_BASE; headref=; fi

  cd "$W"
  g read-tree "$parent"
  g add -A
  tree=$(g write-tree)
  committed=0
  tip=$parent
  if [ "$tree" != "$(g rev-parse "$parent^{tree}")" ]; then
    tip=$(printf 'corral: work of %s\\n\\nCorral-Instance: %s\\n' "$CORRAL_ID" "$CORRAL_ID" | g commit-tree "$tree" -p "$parent")
    committed=1
  fi
  if [ "$tip" != "$CORRAL_BASE" ]; then
    g update-ref --no-deref HEAD "$tip"
    if g merge-base --is-ancestor "$CORRAL_BASE" "$tip" 2>/dev/null; then
      g bundle create --quiet "$A/${bundle}" HEAD "^$CORRAL_BASE"
    else
      g bundle create --quiet "$A/${bundle}" HEAD
    fi
  fi

  # Best effort: the agent's repository catches up (new objects, its branch, a matching
  # index), as plain files, so that a resumed instance starts from this commit.
  if [ "$committed" = 1 ]; then
    (
      for d in "$P"/objects/[0-9a-f][0-9a-f]; do
        [ -d "$d" ] || continue
        mkdir -p "$A/objects/\${d##*/}" && cp -n "$d"/* "$A/objects/\${d##*/}/"
      done
      case "$headref" in
        refs/heads/*..*|"") target=HEAD ;;
        refs/heads/*) target=$headref; mkdir -p "$(dirname "$A/$target")" ;;
        *) target=HEAD ;;
      esac
      printf '%s\\n' "$tip" > "$A/$target.corral-tmp" && mv -f "$A/$target.corral-tmp" "$A/$target"
      cp "$P/index" "$A/index.corral-tmp" && mv -f "$A/index.corral-tmp" "$A/index"
    ) >/dev/null 2>&1 || true
  fi
  rm -rf "$P"
  h=unreadable
  [ "$headok" = 1 ] && h=ok
  printf 'tip=%s\\ncommitted=%s\\nhead=%s\\n' "$tip" "$committed" "$h" > "$A/${report}.tmp"
  mv -f "$A/${report}.tmp" "$A/${report}"
  cat "$A/${report}"
}`;

/** A detached launch: stdin closed, both streams to files the host tails. */
const detachedIo = [
  `IO="$CORRAL_GIT_DIR/${launchFiles.dir}/$CORRAL_LAUNCH"`,
  // Earlier launches' files go: only one launch of an instance runs at a time.
  `find "$CORRAL_GIT_DIR/${launchFiles.dir}" -mindepth 1 -maxdepth 1 ! -name "$CORRAL_LAUNCH" -exec rm -rf {} + 2>/dev/null`,
  'mkdir -p "$IO"',
  `exec </dev/null >>"$IO/${launchFiles.stdout}" 2>>"$IO/${launchFiles.stderr}"`,
];
const detachedExit = [
  `printf '%s\\n' "$ec" > "$IO/${launchFiles.exit}.tmp"`,
  `mv -f "$IO/${launchFiles.exit}.tmp" "$IO/${launchFiles.exit}"`,
];

function bringBackEnv(options: BringBackScriptOptions): Record<string, string> {
  const who = `corral (${options.agent})`;
  return {
    CORRAL_ID: options.id,
    CORRAL_BASE: options.baseTip,
    CORRAL_GIT_DIR: options.gitDir,
    CORRAL_EXCLUDES: (options.excludes ?? []).join('\n'),
    ...(options.launchTag ? { CORRAL_LAUNCH: options.launchTag } : {}),
    GIT_AUTHOR_NAME: who,
    GIT_AUTHOR_EMAIL: 'corral@localhost',
    GIT_COMMITTER_NAME: who,
    GIT_COMMITTER_EMAIL: 'corral@localhost',
  };
}

/**
 * The argv that commits the work and writes the bundle, run on its own inside the sandbox
 * (after a command that was stopped, or whose wrapper did not finish).
 */
export function bringBackCommand(options: BringBackScriptOptions): {
  argv: string[];
  env: Record<string, string>;
} {
  const script = [bringBackFunction, 'bring_back'].join('\n');
  return { argv: ['sh', '-c', script], env: bringBackEnv(options) };
}

/**
 * Wraps the user's command so the bring-back runs in the same sandbox process right
 * after it, saving a second exec (a second sandbox start for the local backend). The
 * wrapper passes the command's exit code through; it traps INT/TERM/HUP with a no-op (not
 * an ignore, which the command would inherit) so a stopped command is still brought back.
 * If the wrapper itself is killed, no report appears and the caller falls back to
 * `bringBackCommand`.
 */
export function withBringBack(
  argv: string[],
  options: BringBackScriptOptions,
): { argv: string[]; env: Record<string, string> } {
  const script = [
    bringBackFunction,
    `rm -f "$CORRAL_GIT_DIR/${report}"`,
    'trap : INT TERM HUP',
    ...(options.launchTag ? detachedIo : []),
    // A missing command is named as such, not as an error of this wrapper script.
    'if command -v -- "$1" >/dev/null 2>&1; then "$@"; ec=$?',
    'else printf \'%s: command not found in the sandbox\\n\' "$1" >&2; ec=127; fi',
    ...(options.launchTag ? detachedExit : []),
    '(bring_back) >/dev/null 2>&1 </dev/null || true',
    ...(options.launchTag ? [`: > "$IO/${launchFiles.done}"`] : []),
    'exit "$ec"',
  ].join('\n');
  return { argv: ['sh', '-c', script, 'sh', ...argv], env: bringBackEnv(options) };
}
