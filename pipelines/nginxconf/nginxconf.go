// Package nginxconf reads nginx configuration files: enough of the grammar
// (directives, blocks, quoting, comments) to find where a frontend proxies
// to, which ports it listens on, and to rewrite those for a test run.
package nginxconf

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Directive is one nginx directive: a name, its arguments, and a block for
// block directives such as `server { … }`.
type Directive struct {
	Name  string
	Args  []string
	Block []*Directive
	// IsBlock reports whether the directive has a block (possibly empty).
	IsBlock bool
	// Line is the 1-based line where the directive starts.
	Line int
}

// Config is a parsed configuration file.
type Config struct {
	Directives []*Directive
}

// SyntaxError is a parse error with its position.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

type token struct {
	text   string
	quoted bool
	line   int
}

// lex splits src into tokens; the single-character tokens ; { } are returned
// unquoted.
func lex(src string) ([]token, error) {
	var toks []token
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == ';' || c == '{' || c == '}':
			toks = append(toks, token{text: string(c), line: line})
			i++
		case c == '"' || c == '\'':
			start := line
			var b strings.Builder
			i++
			for {
				if i >= len(src) {
					return nil, &SyntaxError{start, "unterminated quoted string"}
				}
				if src[i] == c {
					i++
					break
				}
				if src[i] == '\\' && i+1 < len(src) {
					if src[i+1] != c && src[i+1] != '\\' {
						b.WriteByte('\\')
					}
					i++
				}
				if src[i] == '\n' {
					line++
				}
				b.WriteByte(src[i])
				i++
			}
			toks = append(toks, token{text: b.String(), quoted: true, line: start})
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \t\r\n;{}#\"'", rune(src[j])) {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				// ${var} keeps its braces as part of the word.
				if src[j] == '$' && j+1 < len(src) && src[j+1] == '{' {
					if k := strings.IndexByte(src[j:], '}'); k > 0 {
						j += k
					}
				}
				j++
			}
			if j > len(src) {
				j = len(src)
			}
			toks = append(toks, token{text: src[i:j], line: line})
			i = j
		}
	}
	return toks, nil
}

// Parse parses an nginx configuration file.
func Parse(src []byte) (*Config, error) {
	toks, err := lex(string(src))
	if err != nil {
		return nil, fmt.Errorf("parsing nginx config: %w", err)
	}
	pos := 0
	ds, err := parseBlock(toks, &pos, false)
	if err != nil {
		return nil, fmt.Errorf("parsing nginx config: %w", err)
	}
	return &Config{Directives: ds}, nil
}

func parseBlock(toks []token, pos *int, nested bool) ([]*Directive, error) {
	var out []*Directive
	var cur *Directive
	for *pos < len(toks) {
		tk := toks[*pos]
		*pos++
		if !tk.quoted {
			switch tk.text {
			case ";":
				if cur == nil {
					return nil, &SyntaxError{tk.line, `unexpected ";"`}
				}
				out, cur = append(out, cur), nil
				continue
			case "{":
				if cur == nil {
					return nil, &SyntaxError{tk.line, `unexpected "{"`}
				}
				block, err := parseBlock(toks, pos, true)
				if err != nil {
					return nil, err
				}
				cur.Block, cur.IsBlock = block, true
				out, cur = append(out, cur), nil
				continue
			case "}":
				if cur != nil {
					return nil, &SyntaxError{cur.Line, fmt.Sprintf("directive %q is not terminated by \";\"", cur.Name)}
				}
				if !nested {
					return nil, &SyntaxError{tk.line, `unexpected "}"`}
				}
				return out, nil
			}
		}
		if cur == nil {
			cur = &Directive{Name: tk.text, Line: tk.line}
		} else {
			cur.Args = append(cur.Args, tk.text)
		}
	}
	if cur != nil {
		return nil, &SyntaxError{cur.Line, fmt.Sprintf("directive %q is not terminated by \";\"", cur.Name)}
	}
	if nested {
		return nil, &SyntaxError{lastLine(toks), `unexpected end of file, expecting "}"`}
	}
	return out, nil
}

func lastLine(toks []token) int {
	if len(toks) == 0 {
		return 1
	}
	return toks[len(toks)-1].line
}

// Walk calls fn for every directive, depth first, with its enclosing blocks
// (outermost first).
func (c *Config) Walk(fn func(d *Directive, parents []*Directive)) {
	var walk func(ds []*Directive, parents []*Directive)
	walk = func(ds []*Directive, parents []*Directive) {
		for _, d := range ds {
			fn(d, parents)
			if d.IsBlock {
				walk(d.Block, append(parents[:len(parents):len(parents)], d))
			}
		}
	}
	walk(c.Directives, nil)
}

// Find returns every directive with the given name, at any depth.
func (c *Config) Find(name string) []*Directive {
	var out []*Directive
	c.Walk(func(d *Directive, _ []*Directive) {
		if d.Name == name {
			out = append(out, d)
		}
	})
	return out
}

// Backend is an address the configuration proxies to.
type Backend struct {
	// Host is a hostname or IP address.
	Host string
	// Port is the TCP port (80 when the configuration names none).
	Port int
	// Upstream is the upstream block the server belongs to, if any.
	Upstream string
	// Line is where the address is written.
	Line int
}

// Backends returns the addresses the configuration proxies to: the servers of
// upstream blocks that proxy_pass refers to, and hosts named directly in
// proxy_pass URLs. Addresses built from variables are skipped.
func (c *Config) Backends() ([]Backend, error) {
	upstreams := map[string][]Backend{}
	for _, up := range c.Find("upstream") {
		if len(up.Args) != 1 {
			return nil, &SyntaxError{up.Line, "upstream needs exactly one name"}
		}
		for _, d := range up.Block {
			if d.Name != "server" || len(d.Args) == 0 {
				continue
			}
			host, port, err := splitHostPort(d.Args[0], 80)
			if err != nil {
				return nil, &SyntaxError{d.Line, fmt.Sprintf("upstream %s: server %q: %v", up.Args[0], d.Args[0], err)}
			}
			upstreams[up.Args[0]] = append(upstreams[up.Args[0]], Backend{Host: host, Port: port, Upstream: up.Args[0], Line: d.Line})
		}
	}
	var out []Backend
	seen := map[string]bool{}
	add := func(b Backend) {
		k := fmt.Sprintf("%s:%d", b.Host, b.Port)
		if !seen[k] {
			seen[k] = true
			out = append(out, b)
		}
	}
	for _, pp := range c.Find("proxy_pass") {
		if len(pp.Args) != 1 {
			return nil, &SyntaxError{pp.Line, "proxy_pass needs exactly one URL"}
		}
		u, err := url.Parse(pp.Args[0])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &SyntaxError{pp.Line, fmt.Sprintf("proxy_pass %q is not an http(s) URL", pp.Args[0])}
		}
		if strings.Contains(u.Host, "$") {
			continue
		}
		if ups, ok := upstreams[u.Host]; ok {
			for _, b := range ups {
				add(b)
			}
			continue
		}
		def := 80
		if u.Scheme == "https" {
			def = 443
		}
		host, port, err := splitHostPort(u.Host, def)
		if err != nil {
			return nil, &SyntaxError{pp.Line, fmt.Sprintf("proxy_pass %q: %v", pp.Args[0], err)}
		}
		add(Backend{Host: host, Port: port, Line: pp.Line})
	}
	return out, nil
}

// ListenPorts returns the ports of every listen directive.
func (c *Config) ListenPorts() ([]int, error) {
	var out []int
	for _, l := range c.Find("listen") {
		if len(l.Args) == 0 {
			return nil, &SyntaxError{l.Line, "listen needs an address"}
		}
		addr := l.Args[0]
		if strings.HasPrefix(addr, "unix:") {
			continue
		}
		if n, err := strconv.Atoi(addr); err == nil {
			out = append(out, n)
			continue
		}
		_, port, err := splitHostPort(addr, 80)
		if err != nil {
			return nil, &SyntaxError{l.Line, fmt.Sprintf("listen %q: %v", addr, err)}
		}
		out = append(out, port)
	}
	return out, nil
}

func splitHostPort(s string, defPort int) (string, int, error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") {
			return strings.Trim(s, "[]"), defPort, nil
		}
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("port %q is not a number from 1 to 65535", p)
	}
	return host, port, nil
}

// Format writes the configuration back as text (comments are not kept).
func (c *Config) Format() string {
	var b strings.Builder
	format(&b, c.Directives, 0)
	return b.String()
}

func format(b *strings.Builder, ds []*Directive, depth int) {
	for _, d := range ds {
		b.WriteString(strings.Repeat("    ", depth))
		b.WriteString(quote(d.Name))
		for _, a := range d.Args {
			b.WriteByte(' ')
			b.WriteString(quote(a))
		}
		if d.IsBlock {
			b.WriteString(" {\n")
			format(b, d.Block, depth+1)
			b.WriteString(strings.Repeat("    ", depth))
			b.WriteString("}\n")
		} else {
			b.WriteString(";\n")
		}
	}
}

// quote quotes a word unless it already reads back as that one word.
func quote(s string) string {
	if toks, err := lex(s); err == nil && len(toks) == 1 && !toks[0].quoted && toks[0].text == s && !strings.ContainsAny(s, ";{}") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
