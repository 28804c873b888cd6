/**
 * Everything an agent wrote is hostile text: this takes terminal escape sequences (CSI,
 * OSC, and the rest of ECMA-48's) and other control characters out of it, keeping line
 * breaks and tabs. The result is only ever put on the page as a text node.
 */

// ESC [ … final byte; ESC ] … BEL or ST; ESC P/X/^/_ … ST; other two-byte ESC sequences;
// C1 controls' 8-bit CSI and OSC forms too.
const escapes =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|(?:\u001b[PX^_]|[\u0090\u0098\u009e\u009f])[^\u001b\u009c]*(?:\u001b\\|\u009c)?|\u001b[ -/]*[0-~]?/g;

// C0 controls but tab and line feed, DEL, and the C1 range; a bare CR goes too.
// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * @example cleanText('\u001b[31mred\u001b[0m\r\n') // 'red\n'
 */
export function cleanText(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(escapes, '').replace(controls, '');
}
