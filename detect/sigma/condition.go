package sigma

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// condOp is the kind of a condition expression node.
type condOp uint8

const (
	cRef condOp = iota // a named selection
	cAnd
	cOr
	cNot
	cOneOf // "1 of pattern" / "1 of them"
	cAllOf // "all of pattern" / "all of them"
)

// cond is a parsed condition expression.
type cond struct {
	op   condOp
	name string // cRef: selection name; cOneOf/cAllOf: pattern or "them"
	kids []*cond
}

// errAggregation marks the deprecated Sigma v1 aggregation syntax.
var errAggregation = errors.New("aggregation expressions (| count() ...) are deprecated Sigma v1 syntax; use a correlation rule")

// condParser is a recursive-descent parser over condition tokens.
type condParser struct {
	toks     []string
	pos      int
	depth    int
	maxDepth int
}

// parseCondition parses a Sigma condition: and, or, not, parentheses,
// "1 of X", "all of X" (X a selection name pattern with '*' or "them").
func parseCondition(s string, maxDepth, maxLen int) (*cond, error) {
	if len(s) > maxLen {
		return nil, fmt.Errorf("condition longer than %d bytes", maxLen)
	}
	if strings.Contains(s, "|") {
		return nil, errAggregation
	}
	toks, err := tokenizeCondition(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, errors.New("empty condition")
	}
	p := &condParser{toks: toks, maxDepth: maxDepth}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q in condition", p.toks[p.pos])
	}
	return c, nil
}

func tokenizeCondition(s string) ([]string, error) {
	var toks []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, s[i:i+1])
			i++
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q in condition", c)
		}
	}
	return toks, nil
}

func isIdentByte(c byte) bool {
	return isWordByte(c) || c == '*' || c == '-' || c == '.'
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *condParser) enter() error {
	p.depth++
	if p.depth > p.maxDepth {
		return fmt.Errorf("condition nested deeper than %d", p.maxDepth)
	}
	return nil
}

func (p *condParser) or() (*cond, error) {
	return p.binary("or", cOr, p.and)
}

func (p *condParser) and() (*cond, error) {
	return p.binary("and", cAnd, p.not)
}

func (p *condParser) binary(word string, op condOp, next func() (*cond, error)) (*cond, error) {
	first, err := next()
	if err != nil {
		return nil, err
	}
	kids := []*cond{first}
	for strings.EqualFold(p.peek(), word) {
		p.pos++
		k, err := next()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &cond{op: op, kids: kids}, nil
}

func (p *condParser) not() (*cond, error) {
	if !strings.EqualFold(p.peek(), "not") {
		return p.primary()
	}
	p.pos++
	if err := p.enter(); err != nil {
		return nil, err
	}
	k, err := p.not()
	p.depth--
	if err != nil {
		return nil, err
	}
	return &cond{op: cNot, kids: []*cond{k}}, nil
}

func (p *condParser) primary() (*cond, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, errors.New("condition ends early")
	case t == "(":
		return p.paren()
	case t == ")":
		return nil, errors.New("unexpected ) in condition")
	case t == "1" || strings.EqualFold(t, "all") || strings.EqualFold(t, "any"):
		if p.pos+1 < len(p.toks) && strings.EqualFold(p.toks[p.pos+1], "of") {
			return p.quantifier()
		}
	case isKeyword(t):
		return nil, fmt.Errorf("unexpected %q in condition", t)
	}
	p.pos++
	return &cond{op: cRef, name: t}, nil
}

func (p *condParser) paren() (*cond, error) {
	p.pos++
	if err := p.enter(); err != nil {
		return nil, err
	}
	c, err := p.or()
	p.depth--
	if err != nil {
		return nil, err
	}
	if p.peek() != ")" {
		return nil, errors.New("missing ) in condition")
	}
	p.pos++
	return c, nil
}

func (p *condParser) quantifier() (*cond, error) {
	op := cOneOf
	if strings.EqualFold(p.toks[p.pos], "all") {
		op = cAllOf
	}
	p.pos += 2
	target := p.peek()
	if target == "" || target == "(" || target == ")" || isKeyword(target) && !strings.EqualFold(target, "them") {
		return nil, errors.New("quantifier needs a selection pattern or \"them\"")
	}
	p.pos++
	if strings.EqualFold(target, "them") {
		target = "them"
	}
	return &cond{op: op, name: target}, nil
}

func isKeyword(t string) bool {
	switch strings.ToLower(t) {
	case "and", "or", "not", "of", "them", "near":
		return true
	}
	return false
}

// buildCondition turns a parsed condition into a node tree over the named
// selections. "them" means every selection not starting with '_'.
func buildCondition(c *cond, sels map[string]node) (node, error) {
	switch c.op {
	case cRef:
		n, ok := sels[c.name]
		if !ok {
			return nil, fmt.Errorf("condition names unknown selection %q", c.name)
		}
		return n, nil
	case cNot:
		k, err := buildCondition(c.kids[0], sels)
		if err != nil {
			return nil, err
		}
		return &notNode{kid: k}, nil
	case cAnd, cOr:
		kids := make([]node, 0, len(c.kids))
		for _, kc := range c.kids {
			k, err := buildCondition(kc, sels)
			if err != nil {
				return nil, err
			}
			kids = append(kids, k)
		}
		if c.op == cAnd {
			return &andNode{kids: kids}, nil
		}
		return &orNode{kids: kids}, nil
	}
	return buildQuantifier(c, sels)
}

func buildQuantifier(c *cond, sels map[string]node) (node, error) {
	names := make([]string, 0, len(sels))
	for name := range sels {
		if c.name == "them" && !strings.HasPrefix(name, "_") {
			names = append(names, name)
		} else if ok, _ := path.Match(escapeMatch(c.name), name); ok && c.name != "them" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%q matches no selection", c.name)
	}
	slices.Sort(names)
	kids := make([]node, len(names))
	for i, n := range names {
		kids[i] = sels[n]
	}
	if c.op == cAllOf {
		return &andNode{kids: kids}, nil
	}
	return &orNode{kids: kids}, nil
}

// escapeMatch quotes path.Match's special characters other than '*'.
func escapeMatch(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `[`, `\[`, `?`, `\?`)
	return r.Replace(p)
}

// String prints the condition back in Sigma syntax (used by tests).
func (c *cond) String() string {
	switch c.op {
	case cRef:
		return c.name
	case cNot:
		return "not " + c.kids[0].String()
	case cOneOf:
		return "1 of " + c.name
	case cAllOf:
		return "all of " + c.name
	}
	parts := make([]string, len(c.kids))
	for i, k := range c.kids {
		parts[i] = k.String()
	}
	sep := " and "
	if c.op == cOr {
		sep = " or "
	}
	return "(" + strings.Join(parts, sep) + ")"
}
