package settings

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// maxLineBytes caps one .env line. Real lines are short; the cap stops a
// wrong file (a binary, a log) from being buffered whole into memory.
const maxLineBytes = 64 << 10

// blanks are the characters trimmed around keys and values. Other Unicode
// spaces are kept, so what is trimmed never depends on the reader's font.
const blanks = " \t"

// byteOrderMark is what some Windows editors write at the start of a
// UTF-8 file.
const byteOrderMark = "\uFEFF"

var keyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// SyntaxError reports a malformed line in a .env file. It never contains
// the line's value, which may be a secret; Reason names the key when one
// was read.
type SyntaxError struct {
	File   string // the filename given to ParseDotenv
	Line   int    // 1-based
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// ParseDotenv reads KEY=value assignments from r. filename is used only in
// error messages.
//
// The syntax is the common subset that people actually write:
//
//   - One assignment per line: KEY=value or export KEY=value. Keys match
//     [A-Za-z_][A-Za-z0-9_]*. Spaces and tabs around the key, the = and an
//     unquoted value are trimmed.
//   - Blank lines and lines starting with # are ignored. After an unquoted
//     value, a # preceded by a space or tab starts a comment; any other #
//     belongs to the value, so A=b#c sets A to "b#c".
//   - 'single quotes' keep their content exactly; there are no escapes.
//   - "double quotes" understand \n, \r, \t, \" and \\. Any other
//     backslash sequence is an error rather than being kept, so a typo
//     cannot silently change a secret.
//   - After a closing quote, only spaces, tabs and a # comment may follow.
//   - A= and A="" both set A to the empty string.
//   - A value cannot span lines: a quote left open at the end of its line is
//     an error.
//   - CRLF line endings and a UTF-8 byte order mark are accepted. Any other
//     control character, such as a lone carriage return, is an error.
//   - When a key appears twice, the later line wins.
//
// A malformed line, or one longer than 64 KiB, is reported as a
// [*SyntaxError]; nothing is skipped silently. An error reading r is
// returned wrapped with filename.
func ParseDotenv(r io.Reader, filename string) (map[string]string, error) {
	vars := make(map[string]string)
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 0, 4096), maxLineBytes)
	lineNumber := 0
	for scanner.Scan() {
		lineNumber++
		line := scanner.Text()
		if lineNumber == 1 {
			line = strings.TrimPrefix(line, byteOrderMark)
		}
		key, value, err := parseLine(line)
		if err != nil {
			return nil, &SyntaxError{File: filename, Line: lineNumber, Reason: err.Error()}
		}
		if key != "" {
			vars[key] = value
		}
	}
	if err := scanner.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &SyntaxError{
				File:   filename,
				Line:   lineNumber + 1,
				Reason: fmt.Sprintf("line longer than %d bytes", maxLineBytes),
			}
		}
		return nil, fmt.Errorf("read %s: %w", filename, err)
	}
	return vars, nil
}

// parseLine returns the key and value assigned by line, or an empty key for
// a blank or comment line. Its errors name the key but never the value.
func parseLine(line string) (key, value string, err error) {
	if strings.ContainsFunc(line, isForbiddenControl) {
		return "", "", errors.New("control character in line (only tab is allowed)")
	}
	line = strings.Trim(line, blanks)
	if line == "" || line[0] == '#' {
		return "", "", nil
	}
	key, rawValue, found := strings.Cut(cutExport(line), "=")
	if !found {
		return "", "", errors.New("expected KEY=value")
	}
	key = strings.TrimRight(key, blanks)
	if !keyPattern.MatchString(key) {
		return "", "", fmt.Errorf("invalid key: must match %s", keyPattern)
	}
	value, err = parseValue(rawValue)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", key, err)
	}
	return key, value, nil
}

// cutExport removes the "export " that lets a .env file double as a shell
// script. A key that merely starts with "export" is left alone.
func cutExport(line string) string {
	rest, found := strings.CutPrefix(line, "export")
	if !found || rest == "" || !isBlank(rest[0]) {
		return line
	}
	return strings.TrimLeft(rest, blanks)
}

// parseValue decodes everything after the first =.
func parseValue(raw string) (string, error) {
	trimmed := strings.TrimLeft(raw, blanks)
	if trimmed == "" {
		return "", nil
	}
	switch trimmed[0] {
	case '\'':
		return parseSingleQuoted(trimmed[1:])
	case '"':
		return parseDoubleQuoted(trimmed[1:])
	}
	return parseUnquoted(raw), nil
}

// parseUnquoted cuts a trailing comment. raw still has the blanks that
// followed the =, so "A= #note" is an empty value with a comment while
// "A=#note" is the value "#note".
func parseUnquoted(raw string) string {
	for i := 1; i < len(raw); i++ {
		if raw[i] == '#' && isBlank(raw[i-1]) {
			raw = raw[:i]
			break
		}
	}
	return strings.Trim(raw, blanks)
}

// parseSingleQuoted decodes s, the text after an opening single quote.
func parseSingleQuoted(s string) (string, error) {
	value, rest, found := strings.Cut(s, "'")
	if !found {
		return "", errors.New("unterminated single quote")
	}
	if err := checkAfterQuote(rest); err != nil {
		return "", err
	}
	return value, nil
}

// parseDoubleQuoted decodes s, the text after an opening double quote.
// Working byte by byte is safe for UTF-8 because every byte it acts on is
// ASCII, and ASCII bytes never occur inside a multi-byte character.
func parseDoubleQuoted(s string) (string, error) {
	var value strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			if err := checkAfterQuote(s[i+1:]); err != nil {
				return "", err
			}
			return value.String(), nil
		case '\\':
			if i+1 == len(s) {
				return "", errors.New("unterminated double quote")
			}
			i++
			unescaped, ok := unescape(s[i])
			if !ok {
				return "", errors.New(`unknown escape sequence in double quotes (known: \n \r \t \" \\)`)
			}
			value.WriteByte(unescaped)
		default:
			value.WriteByte(s[i])
		}
	}
	return "", errors.New("unterminated double quote")
}

// unescape maps the letter after a backslash in double quotes to the byte
// it stands for.
func unescape(letter byte) (byte, bool) {
	switch letter {
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case '"', '\\':
		return letter, true
	}
	return 0, false
}

// checkAfterQuote accepts what may follow a closing quote: blanks and a
// comment that is separated from the quote like any other comment.
func checkAfterQuote(rest string) error {
	trimmed := strings.TrimLeft(rest, blanks)
	if trimmed == "" || (trimmed[0] == '#' && len(trimmed) < len(rest)) {
		return nil
	}
	return errors.New("unexpected text after the closing quote")
}

func isBlank(b byte) bool {
	return b == ' ' || b == '\t'
}

// isForbiddenControl reports the control characters that have no business
// in a .env line. Tab is allowed; a stray carriage return (from a file
// with old Mac line endings, say) is not, since it would end up inside a
// value unseen.
func isForbiddenControl(r rune) bool {
	return (r < 0x20 && r != '\t') || r == 0x7f
}
