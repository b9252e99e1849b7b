package settings

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// This file restates python-dotenv's grammar as regular expressions, to
// check the hand-written parser against. Go's regexp picks the match a
// backtracking engine such as Python's would pick, so each expression
// below behaves as python-dotenv's does on the same text. On top of
// python-dotenv it applies this package's documented decisions: a byte
// order mark is dropped, single quotes are not expanded, and a statement
// python-dotenv would skip fails the whole file.

// pySpace is Python's \s for text, spelled out: what str.isspace accepts.
const (
	pyInlineSpace = `\t\v\f \x1c-\x1f\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	pySpace       = `\n\r` + pyInlineSpace
)

var (
	modelBlank         = regexp.MustCompile(`\A[` + pySpace + `]*`)
	modelExport        = regexp.MustCompile(`\A(?:export[` + pyInlineSpace + `]+)?`)
	modelQuotedKey     = regexp.MustCompile(`\A'([^']+)'`)
	modelKey           = regexp.MustCompile(`\A([^=#` + pySpace + `]+)`)
	modelInline        = regexp.MustCompile(`\A[` + pyInlineSpace + `]*`)
	modelEquals        = regexp.MustCompile(`\A=[` + pyInlineSpace + `]*`)
	modelSingleValue   = regexp.MustCompile(`\A'((?:\\'|[^'])*)'`)
	modelDoubleValue   = regexp.MustCompile(`\A"((?:\\"|[^"])*)"`)
	modelRestOfLine    = regexp.MustCompile(`\A([^\r\n]*)`)
	modelComment       = regexp.MustCompile(`\A(?:[` + pyInlineSpace + `]*#[^\r\n]*)?`)
	modelLineEnd       = regexp.MustCompile(`\A[` + pyInlineSpace + `]*(?:\r\n|\n|\r|\z)`)
	modelValueComment  = regexp.MustCompile(`[` + pySpace + `]+#.*`)
	modelTrailingSpace = regexp.MustCompile(`[` + pySpace + `]+\z`)
	modelSingleEscape  = regexp.MustCompile(`\\[\\']`)
	modelDoubleEscape  = regexp.MustCompile(`\\[\\'"abfnrtv]`)
	modelReference     = regexp.MustCompile(`\$\{([^}:]*)(?::-([^}]*))?\}`)
	modelLineBreak     = regexp.MustCompile(`\r\n|\r`)
)

var modelEscapes = map[string]string{
	`\\`: `\`, `\'`: `'`, `\"`: `"`, `\a`: "\a", `\b`: "\b", `\f`: "\f",
	`\n`: "\n", `\r`: "\r", `\t`: "\t", `\v`: "\v",
}

// modelStatement is one statement: a key with a value, or with none
// (value == nil).
type modelStatement struct {
	key    string
	value  *string
	single bool // the value was in single quotes
	line   int
}

type model struct {
	text string
	pos  int
}

// read matches re at the current position, within the current line
// unless multiline is set; scanning only the line keeps the model linear.
func (m *model) read(re *regexp.Regexp, multiline bool) ([]string, bool) {
	text := m.text[m.pos:]
	if i := strings.IndexByte(text, '\n'); i >= 0 && !multiline {
		text = text[:i+1]
	}
	match := re.FindStringSubmatch(text)
	if match == nil {
		return nil, false
	}
	m.pos += len(match[0])
	return match, true
}

// skipBlank reads white space, line ends included, a line at a time.
func (m *model) skipBlank() {
	for start := -1; start != m.pos; {
		start = m.pos
		m.read(modelBlank, false)
	}
}

func (m *model) next() string {
	if m.pos == len(m.text) {
		return ""
	}
	return m.text[m.pos : m.pos+1]
}

// modelParseDotenv returns what load_dotenv, with this package's
// decisions, sets from input; or ok == false and the line of the first
// statement it cannot load.
func modelParseDotenv(input string, env map[string]string) (vars map[string]string, errLine int, ok bool) {
	text := modelLineBreak.ReplaceAllString(strings.TrimPrefix(input, "\uFEFF"), "\n")
	if !utf8.ValidString(text) {
		return nil, 0, false
	}
	m := &model{text: text}
	var statements []modelStatement
	line, counted := 1, 0
	for {
		m.skipBlank()
		if m.pos == len(m.text) {
			break
		}
		line += strings.Count(m.text[counted:m.pos], "\n")
		counted = m.pos
		s, ok := m.statement()
		if !ok {
			return nil, line, false
		}
		if s != nil {
			s.line = line
			statements = append(statements, *s)
		}
	}
	return modelResolve(statements, env)
}

// statement follows python-dotenv's parse_binding; nil is a comment.
func (m *model) statement() (*modelStatement, bool) {
	m.read(modelExport, false)
	var s *modelStatement
	switch m.next() {
	case "#":
	case "'":
		match, ok := m.read(modelQuotedKey, true)
		if !ok {
			return nil, false
		}
		s = &modelStatement{key: match[1]}
	default:
		match, ok := m.read(modelKey, false)
		if !ok {
			return nil, false
		}
		s = &modelStatement{key: match[1]}
	}
	m.read(modelInline, false)
	if m.next() == "=" {
		m.read(modelEquals, false)
		value, single, ok := m.value()
		if !ok {
			return nil, false
		}
		s.value, s.single = &value, single
	}
	m.read(modelComment, false)
	if _, ok := m.read(modelLineEnd, false); !ok {
		return nil, false
	}
	return s, true
}

func (m *model) value() (value string, single bool, ok bool) {
	decode := func(escape *regexp.Regexp, raw string) string {
		return escape.ReplaceAllStringFunc(raw, func(pair string) string { return modelEscapes[pair] })
	}
	switch m.next() {
	case "'":
		match, ok := m.read(modelSingleValue, true)
		if !ok {
			return "", false, false
		}
		return decode(modelSingleEscape, match[1]), true, true
	case `"`:
		match, ok := m.read(modelDoubleValue, true)
		if !ok {
			return "", false, false
		}
		return decode(modelDoubleEscape, match[1]), false, true
	case "", "\n":
		return "", false, true
	}
	match, _ := m.read(modelRestOfLine, false)
	value = modelValueComment.ReplaceAllString(match[1], "")
	return modelTrailingSpace.ReplaceAllString(value, ""), false, true
}

// modelResolve follows python-dotenv's resolve_variables with
// override=False, then refuses what os.environ would refuse.
func modelResolve(statements []modelStatement, env map[string]string) (map[string]string, int, bool) {
	file := map[string]*string{}
	lines := map[string]int{}
	for _, s := range statements {
		lines[s.key] = s.line
		if s.value == nil || s.single {
			file[s.key] = s.value
			continue
		}
		var b strings.Builder
		last := 0
		for _, loc := range modelReference.FindAllStringSubmatchIndex(*s.value, -1) {
			b.WriteString((*s.value)[last:loc[0]])
			name := (*s.value)[loc[2]:loc[3]]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else if v, ok := file[name]; ok {
				if v != nil {
					b.WriteString(*v)
				}
			} else if loc[4] >= 0 {
				b.WriteString((*s.value)[loc[4]:loc[5]])
			}
			last = loc[1]
		}
		b.WriteString((*s.value)[last:])
		value := b.String()
		file[s.key] = &value
	}
	vars := map[string]string{}
	errLine := 0
	for key, value := range file {
		if value == nil {
			continue
		}
		_, inProcess := env[key]
		if strings.ContainsAny(key, "=\x00") || (!inProcess && strings.Contains(*value, "\x00")) {
			if errLine == 0 || lines[key] < errLine {
				errLine = lines[key]
			}
		}
		vars[key] = *value
	}
	if errLine != 0 {
		return nil, errLine, false
	}
	return vars, 0, true
}

// modelSeeds are inputs worth starting the fuzzer from.
var modelSeeds = []string{
	"", "A=b", "export A=b", "exported=1", "export=1", "export A", "export ", "KEY",
	"# comment\n\nA=1\n", "A=b # comment", "A=b#c", "A= # comment", "  A  =  b  ",
	"A=", `A=""`, `A=''`, `A='x\n #y'`, `A="1\n2\r3\t4\"5\\6\q"`, `A="x" # comment`, `A="x"# c`,
	`A="x"y`, `A="x`, `A='x`, `A="x\`, `A="a\"`, "A=\"C:\\\\\"\nB=\"x\"", "A='a\nB='x'",
	"A=1\nA=2", "A=1\nA", "A=1\r\nB=2\r\n", "A=1\rB=\"x\ry\"", "\uFEFFA=1", "1A=x", "=x", "'k'=v",
	"''=x", "'a=b'=1", "JUST A WORD", "A=x\x00", "A=grüße", "app.name=1\nB=${app.name}",
	"A=b\u00a0#c\x1f", "X=1\nY=${X}${Y:-d}$X'${X}'", "Y=${NOPE:-${X}}", "Y=${X:1}${X-1}${}", "A=\xff",
	"E=${EMPTY:-d}\nP=${PROC}", "K=\"-----BEGIN-----\nabc\n-----END-----\"\n",
	"X=1\nY=${a${X}:x}${X}", "X=1\nY=${${${a:x}${X}", "X=1\nY=${a:-b${X}", "X=1\nY=${a:b${X}}", "Y=${${${",
}
