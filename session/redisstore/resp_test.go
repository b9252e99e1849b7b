package redisstore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// encodeReply writes r back in RESP, the way a server would send it.
func encodeReply(b *bytes.Buffer, r reply) {
	b.WriteByte(r.kind)
	switch {
	case r.kind == '+' || r.kind == '-':
		b.WriteString(r.str)
	case r.kind == ':':
		b.WriteString(strconv.FormatInt(r.num, 10))
	case r.null:
		b.WriteString("-1")
	case r.kind == '$':
		fmt.Fprintf(b, "%d\r\n%s", len(r.bulk), r.bulk)
	case r.kind == '*':
		fmt.Fprintf(b, "%d\r\n", len(r.array))
		for _, e := range r.array {
			encodeReply(b, e)
		}
		return
	}
	b.WriteString("\r\n")
}

func TestReadReply(t *testing.T) {
	good := map[string]reply{
		"+OK\r\n":                 {kind: '+', str: "OK"},
		"-WRONGTYPE no\r\n":       {kind: '-', str: "WRONGTYPE no"},
		":-42\r\n":                {kind: ':', num: -42},
		"$3\r\na\r\n\r\n":         {kind: '$', bulk: []byte("a\r\n")},
		"$0\r\n\r\n":              {kind: '$', bulk: []byte{}},
		"$-1\r\n":                 {kind: '$', null: true},
		"*-1\r\n":                 {kind: '*', null: true},
		"*2\r\n+OK\r\n:1\r\n":     {kind: '*', array: []reply{{kind: '+', str: "OK"}, {kind: ':', num: 1}}},
		"*1\r\n*1\r\n$1\r\nx\r\n": {kind: '*', array: []reply{{kind: '*', array: []reply{{kind: '$', bulk: []byte("x")}}}}},
		"*0\r\n":                  {kind: '*', array: []reply{}},
		"$65537\r\n" + strings.Repeat("x", 65537) + "\r\n": {kind: '$', bulk: bytes.Repeat([]byte("x"), 65537)},
	}
	for in, want := range good {
		got, err := readReply(bufio.NewReader(strings.NewReader(in)))
		if err != nil {
			t.Errorf("%.40q: %v", in, err)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%.40q: %+v, want %+v", in, got, want)
		}
	}
	for _, in := range []string{
		"", "\r\n", "+OK\n", "+OK", "?what\r\n", ":12x\r\n", "$-2\r\n", "$3\r\nab\r\n", "$2\r\nabcd",
		"$65538\r\n", "*65\r\n", "*1\r\n*1\r\n*1\r\n:1\r\n", "+" + strings.Repeat("x", 5000) + "\r\n",
		"$99999999999999999999\r\n", ":+1\r\n", ":01\r\n", ":-0\r\n", "$03\r\nabc\r\n",
	} {
		if _, err := readReply(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("%.40q was accepted", in)
		}
	}
}

// FuzzReadReply: readReply never panics and never reads past its bounds;
// whatever it accepts is exactly the bytes it consumed, written back;
// whatever it refuses that was complete is marked errProtocol.
func FuzzReadReply(f *testing.F) {
	for _, seed := range []string{
		"+OK\r\n", "-ERR x\r\n", ":1\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n",
		"*3\r\n+OK\r\n+QUEUED\r\n*2\r\n+OK\r\n:1\r\n", "$2\r\na", "*2\r\n$1\r\n", ":\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := readReply(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			if !errors.Is(err, errProtocol) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%q: error %v, neither a protocol error nor the end of the input", in, err)
			}
			return
		}
		var again bytes.Buffer
		encodeReply(&again, r)
		if !bytes.HasPrefix(in, again.Bytes()) {
			t.Fatalf("%q read as %+v, which is written %q", in, r, again.Bytes())
		}
	})
}
