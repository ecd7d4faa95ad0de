package matcher

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// SyntaxError is a problem in a query, at a 0-based rune offset.
type SyntaxError struct {
	Pos int    // 0-based offset in runes from the start of the query
	Msg string // what is wrong, e.g. `unexpected ")"`
}

// Error renders the problem as `unexpected ")" at 14`.
func (e *SyntaxError) Error() string {
	return e.Msg + " at " + strconv.Itoa(e.Pos)
}

// Field masks: where a term may match.
const (
	fieldTitle    = 1 << iota // Doc.Title
	fieldSummary              // Doc.Summary
	fieldContent              // Doc.Content
	fieldCategory             // Doc.Categories
	fieldDefault  = fieldTitle | fieldSummary | fieldContent | fieldCategory
)

// Node kinds of a parsed query.
const (
	nodeAnd = iota
	nodeOr
	nodeNot
	nodeNear
	nodeTerm  // word, phrase or prefix, in a field scope
	nodeActor // actor:NAME
	nodeFeed  // feed:NAME
	nodeRegex // /regex/
)

// maxNear bounds NEAR/n.
const maxNear = 100

// node is one node of a parsed query.
type node struct {
	kind  int
	kids  []*node
	near  int    // nodeNear: the maximum distance in words
	pos   int    // rune offset of the term or operator in the query
	text  string // the term as written (phrase without quotes, actor name, regex source)
	quote bool   // text was a quoted phrase
	place bool   // nodeActor: place:NAME rather than actor:NAME
	scope int    // field mask for nodeTerm / nodeRegex
	leaf  *leaf  // filled by the compiler
}

// qtoken is a lexical token of a query.
type qtoken struct {
	kind  int
	pos   int
	text  string
	quote bool
	near  int
}

// Query token kinds.
const (
	tEOF = iota
	tLParen
	tRParen
	tWord
	tPhrase
	tRegex
	tAnd
	tOr
	tNot
	tMinus
	tNear
	tScope // scope prefix applied to a following ( or term: text is the scope
)

var scopeNames = map[string]bool{"title": true, "category": true, "feed": true, "actor": true, "place": true}

// lex splits a query into tokens.
func lex(q string) ([]qtoken, error) {
	rs := []rune(q)
	var out []qtoken
	i := 0
	for {
		for i < len(rs) && unicode.IsSpace(rs[i]) {
			i++
		}
		if i >= len(rs) {
			out = append(out, qtoken{kind: tEOF, pos: i})
			return out, nil
		}
		start := i
		switch r := rs[i]; {
		case r == '(':
			out = append(out, qtoken{kind: tLParen, pos: i})
			i++
			continue
		case r == ')':
			out = append(out, qtoken{kind: tRParen, pos: i})
			i++
			continue
		case r == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) && rs[i+1] != ')' &&
			(i == 0 || unicode.IsSpace(rs[i-1]) || rs[i-1] == '('):
			out = append(out, qtoken{kind: tMinus, pos: i})
			i++
			continue
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			if j >= len(rs) {
				return nil, &SyntaxError{Pos: start, Msg: "unterminated phrase"}
			}
			out = append(out, qtoken{kind: tPhrase, pos: start, text: string(rs[i+1 : j]), quote: true})
			i = j + 1
			continue
		case r == '/':
			j := i + 1
			var b strings.Builder
			for j < len(rs) && rs[j] != '/' {
				if rs[j] == '\\' && j+1 < len(rs) && rs[j+1] == '/' {
					b.WriteRune('/')
					j += 2
					continue
				}
				b.WriteRune(rs[j])
				j++
			}
			if j >= len(rs) {
				return nil, &SyntaxError{Pos: start, Msg: "unterminated regular expression"}
			}
			out = append(out, qtoken{kind: tRegex, pos: start, text: b.String()})
			i = j + 1
			continue
		}
		// A bare word, possibly with a scope prefix.
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '(' && rs[j] != ')' && rs[j] != '"' {
			if rs[j] == ':' && scopeNames[strings.ToLower(string(rs[i:j]))] {
				break
			}
			j++
		}
		if j < len(rs) && rs[j] == ':' {
			out = append(out, qtoken{kind: tScope, pos: start, text: strings.ToLower(string(rs[i:j]))})
			i = j + 1
			if i >= len(rs) || unicode.IsSpace(rs[i]) || rs[i] == ')' {
				return nil, &SyntaxError{Pos: i, Msg: "missing term after " + string(rs[start:i])}
			}
			continue
		}
		w := string(rs[i:j])
		i = j
		switch {
		case w == "AND":
			out = append(out, qtoken{kind: tAnd, pos: start})
		case w == "OR":
			out = append(out, qtoken{kind: tOr, pos: start})
		case w == "NOT":
			out = append(out, qtoken{kind: tNot, pos: start})
		case w == "NEAR":
			out = append(out, qtoken{kind: tNear, pos: start, near: 5})
		case strings.HasPrefix(w, "NEAR/"):
			n, err := strconv.Atoi(w[len("NEAR/"):])
			if err != nil || n < 1 || n > maxNear {
				return nil, &SyntaxError{Pos: start, Msg: fmt.Sprintf("NEAR/n needs a distance from 1 to %d", maxNear)}
			}
			out = append(out, qtoken{kind: tNear, pos: start, near: n})
		default:
			out = append(out, qtoken{kind: tWord, pos: start, text: w})
		}
	}
}

// parser is a recursive-descent parser over lexed tokens.
//
//	query  := or EOF
//	or     := and ("OR" and)*
//	and    := near (["AND"] near)*        implicit AND between adjacent terms
//	near   := unary ("NEAR/n" unary)*
//	unary  := ("NOT" | "-") unary | primary
//	primary:= "(" or ")" | [scope ":"] (word | "phrase" | /regex/ | "(" or ")")
type parser struct {
	toks  []qtoken
	i     int
	depth int // nesting of parentheses and NOTs
}

// enter counts one level of nesting at pos and refuses too deep a query.
func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > maxDepth {
		return &SyntaxError{Pos: pos, Msg: "query nested too deeply"}
	}
	return nil
}

func (p *parser) peek() qtoken { return p.toks[p.i] }
func (p *parser) next() qtoken {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// parseQuery parses q into a tree, or returns a *SyntaxError.
func parseQuery(q string) (*node, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	if toks[0].kind == tEOF {
		return nil, &SyntaxError{Pos: 0, Msg: "empty query"}
	}
	p := &parser{toks: toks}
	n, err := p.parseOr("")
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, unexpected(t)
	}
	return n, nil
}

// unexpected reports token t where it does not belong.
func unexpected(t qtoken) error {
	var what string
	switch t.kind {
	case tEOF:
		return &SyntaxError{Pos: t.pos, Msg: "unexpected end of query"}
	case tLParen:
		what = `"("`
	case tRParen:
		what = `")"`
	case tAnd:
		what = "AND"
	case tOr:
		what = "OR"
	case tNot:
		what = "NOT"
	case tNear:
		what = "NEAR"
	case tMinus:
		what = `"-"`
	case tScope:
		what = strconv.Quote(t.text + ":")
	default:
		what = strconv.Quote(t.text)
	}
	return &SyntaxError{Pos: t.pos, Msg: "unexpected " + what}
}

// startsOperand reports whether t can begin an operand (for implicit AND).
func startsOperand(t qtoken) bool {
	switch t.kind {
	case tLParen, tWord, tPhrase, tRegex, tNot, tMinus, tScope:
		return true
	}
	return false
}

func (p *parser) parseOr(scope string) (*node, error) {
	first, err := p.parseAnd(scope)
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	pos := first.pos
	for p.peek().kind == tOr {
		p.next()
		n, err := p.parseAnd(scope)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &node{kind: nodeOr, kids: kids, pos: pos}, nil
}

func (p *parser) parseAnd(scope string) (*node, error) {
	first, err := p.parseNear(scope)
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	for {
		t := p.peek()
		if t.kind == tAnd {
			p.next()
		} else if !startsOperand(t) {
			break
		}
		n, err := p.parseNear(scope)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &node{kind: nodeAnd, kids: kids, pos: first.pos}, nil
}

func (p *parser) parseNear(scope string) (*node, error) {
	left, err := p.parseUnary(scope)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tNear {
		op := p.next()
		right, err := p.parseUnary(scope)
		if err != nil {
			return nil, err
		}
		for _, side := range []*node{left, right} {
			if bad := nearOperandProblem(side); bad != nil {
				return nil, &SyntaxError{Pos: bad.pos, Msg: "NEAR needs words, phrases or actors on both sides (OR allowed)"}
			}
		}
		left = &node{kind: nodeNear, kids: []*node{left, right}, near: op.near, pos: op.pos}
	}
	return left, nil
}

// nearOperandProblem returns the first node under n that cannot give word
// positions (NOT, AND, feed:, regex), or nil.
func nearOperandProblem(n *node) *node {
	switch n.kind {
	case nodeTerm, nodeActor:
		return nil
	case nodeOr, nodeNear:
		for _, k := range n.kids {
			if b := nearOperandProblem(k); b != nil {
				return b
			}
		}
		return nil
	}
	return n
}

func (p *parser) parseUnary(scope string) (*node, error) {
	t := p.peek()
	if t.kind == tNot || t.kind == tMinus {
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		k, err := p.parseUnary(scope)
		p.depth--
		if err != nil {
			return nil, err
		}
		return &node{kind: nodeNot, kids: []*node{k}, pos: t.pos}, nil
	}
	return p.parsePrimary(scope)
}

func (p *parser) parsePrimary(scope string) (*node, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		n, err := p.parseOr(scope)
		p.depth--
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			if c.kind == tEOF {
				return nil, &SyntaxError{Pos: t.pos, Msg: `unclosed "("`}
			}
			return nil, unexpected(c)
		}
		return n, nil
	case tScope:
		inner := p.peek()
		switch t.text {
		case "actor", "feed", "place":
			if inner.kind != tWord && inner.kind != tPhrase {
				return nil, &SyntaxError{Pos: inner.pos, Msg: t.text + ": needs a name"}
			}
			p.next()
			kind := nodeActor
			if t.text == "feed" {
				kind = nodeFeed
			}
			return &node{kind: kind, pos: t.pos, text: inner.text, quote: inner.quote, place: t.text == "place", scope: scopeMask(scope)}, nil
		}
		if scope != "" && scope != t.text {
			return nil, &SyntaxError{Pos: t.pos, Msg: "conflicting scopes " + scope + ": and " + t.text + ":"}
		}
		switch inner.kind {
		case tLParen, tWord, tPhrase, tRegex:
			return p.parsePrimary(t.text)
		}
		return nil, unexpected(inner)
	case tWord, tPhrase:
		n := &node{kind: nodeTerm, pos: t.pos, text: t.text, quote: t.quote, scope: scopeMask(scope)}
		return n, nil
	case tRegex:
		return &node{kind: nodeRegex, pos: t.pos, text: t.text, scope: scopeMask(scope)}, nil
	}
	return nil, unexpected(t)
}

// scopeMask maps a scope name to the fields it covers.
func scopeMask(scope string) int {
	switch scope {
	case "title":
		return fieldTitle
	case "category":
		return fieldCategory
	}
	return fieldDefault
}
