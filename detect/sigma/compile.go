package sigma

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// compiler turns one rule's detection block into a node tree.
type compiler struct {
	cfg     Config
	nvalues int
}

func compileDetection(det *yaml.Node, cfg Config) (node, error) {
	if det.Kind != yaml.MappingNode {
		return nil, errAt(det, "detection must be a mapping")
	}
	c := &compiler{cfg: cfg}
	sels := map[string]node{}
	var condNode *yaml.Node
	for i := 0; i+1 < len(det.Content); i += 2 {
		k, v := det.Content[i], det.Content[i+1]
		switch k.Value {
		case "condition":
			condNode = v
			continue
		case "timeframe":
			continue // only meaningful with the deprecated aggregations
		}
		n, err := c.selection(v)
		if err != nil {
			return nil, err
		}
		sels[k.Value] = n
	}
	if condNode == nil {
		return nil, errAt(det, "detection has no condition")
	}
	return c.condition(condNode, sels)
}

// condition compiles the condition; a list of conditions is their "or".
func (c *compiler) condition(n *yaml.Node, sels map[string]node) (node, error) {
	var texts []*yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		texts = []*yaml.Node{n}
	case yaml.SequenceNode:
		texts = n.Content
	default:
		return nil, errAt(n, "condition must be a string or a list of strings")
	}
	var kids []node
	for _, t := range texts {
		if t.Kind != yaml.ScalarNode {
			return nil, errAt(t, "condition must be a string")
		}
		ast, err := parseCondition(t.Value, c.cfg.Limits.MaxConditionDepth, c.cfg.Limits.MaxConditionLen)
		if err != nil {
			return nil, errAt(t, "condition: %v", err)
		}
		k, err := buildCondition(ast, sels)
		if err != nil {
			return nil, errAt(t, "condition: %v", err)
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &orNode{kids: kids}, nil
}

// selection compiles a named search: a map (AND of fields), a list of maps
// (OR), or a list of plain values (keywords).
func (c *compiler) selection(n *yaml.Node) (node, error) {
	switch n.Kind {
	case yaml.MappingNode:
		return c.fieldMap(n)
	case yaml.ScalarNode:
		return c.keywords([]*yaml.Node{n}, n, nil)
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, errAt(n, "empty selection")
		}
		if n.Content[0].Kind == yaml.ScalarNode {
			return c.keywords(n.Content, n, nil)
		}
		kids := make([]node, 0, len(n.Content))
		for _, k := range n.Content {
			if k.Kind != yaml.MappingNode {
				return nil, errAt(k, "a selection list must hold only maps or only values")
			}
			m, err := c.fieldMap(k)
			if err != nil {
				return nil, err
			}
			kids = append(kids, m)
		}
		return &orNode{kids: kids}, nil
	}
	return nil, errAt(n, "unsupported selection")
}

func (c *compiler) fieldMap(n *yaml.Node) (node, error) {
	if len(n.Content) == 0 {
		return nil, errAt(n, "empty selection map")
	}
	kids := make([]node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, err := c.field(n.Content[i], n.Content[i+1])
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &andNode{kids: kids}, nil
}

// spec is a field's modifier chain.
type spec struct {
	field      string
	all, cased bool
	kind       string   // "", "re", "cidr", "lt", "lte", "gt", "gte", "exists", "fieldref"
	reFlags    string   // i, m, s after re
	steps      []string // value transformations in order
	wrap       matchKind
}

func parseSpec(k *yaml.Node) (spec, error) {
	parts := strings.Split(k.Value, "|")
	sp := spec{field: parts[0], wrap: mExact}
	for _, m := range parts[1:] {
		if err := sp.add(m); err != nil {
			return sp, errAt(k, "field %q: %v", sp.field, err)
		}
	}
	return sp, nil
}

func (sp *spec) add(m string) error {
	switch m {
	case "contains", "startswith", "endswith":
		sp.wrap = map[string]matchKind{"contains": mContains, "startswith": mPrefix, "endswith": mSuffix}[m]
		sp.steps = append(sp.steps, m)
	case "windash", "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide", "expand":
		sp.steps = append(sp.steps, m)
	case "all":
		sp.all = true
	case "cased":
		sp.cased = true
	case "i", "m", "s":
		if sp.kind != "re" {
			return fmt.Errorf("modifier %q only follows re", m)
		}
		sp.reFlags += m
	case "re", "cidr", "lt", "lte", "gt", "gte", "exists", "fieldref":
		if sp.kind != "" {
			return fmt.Errorf("modifiers %q and %q cannot be combined", sp.kind, m)
		}
		sp.kind = m
	case "":
		return fmt.Errorf("empty modifier")
	default:
		return fmt.Errorf("unknown modifier %q", m)
	}
	return nil
}

// scalars returns the value nodes of a field: one scalar or a list.
func scalars(v *yaml.Node) ([]*yaml.Node, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{v}, nil
	case yaml.SequenceNode:
		for _, k := range v.Content {
			if k.Kind != yaml.ScalarNode {
				return nil, errAt(k, "field values must be plain values")
			}
		}
		if len(v.Content) == 0 {
			return nil, errAt(v, "empty value list")
		}
		return v.Content, nil
	}
	return nil, errAt(v, "field values must be a value or a list of values")
}

func isNull(n *yaml.Node) bool { return n.Tag == "!!null" }

func (c *compiler) field(k, v *yaml.Node) (node, error) {
	sp, err := parseSpec(k)
	if err != nil {
		return nil, err
	}
	vals, err := scalars(v)
	if err != nil {
		return nil, err
	}
	switch sp.kind {
	case "exists":
		return existsField(sp, vals)
	case "fieldref":
		return fieldrefField(sp, vals)
	}
	if sp.field == "" {
		return c.keywords(vals, k, &sp)
	}
	fn := &fieldNode{field: sp.field, all: sp.all}
	for _, vn := range vals {
		if isNull(vn) {
			fn.null = true
			continue
		}
		ms, err := c.values(sp, vn)
		if err != nil {
			return nil, err
		}
		fn.vals = append(fn.vals, ms...)
	}
	return fn, nil
}

func existsField(sp spec, vals []*yaml.Node) (node, error) {
	if len(vals) != 1 || (vals[0].Value != "true" && vals[0].Value != "false") {
		return nil, errAt(vals[0], "exists needs true or false")
	}
	return &existsNode{field: sp.field, want: vals[0].Value == "true"}, nil
}

func fieldrefField(sp spec, vals []*yaml.Node) (node, error) {
	var kids []node
	for _, v := range vals {
		if v.Value == "" || isNull(v) {
			return nil, errAt(v, "fieldref needs a field name")
		}
		kids = append(kids, &fieldrefNode{field: sp.field, ref: v.Value, kind: sp.wrap, cased: sp.cased})
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	if sp.all {
		return &andNode{kids: kids}, nil
	}
	return &orNode{kids: kids}, nil
}

func (c *compiler) keywords(vals []*yaml.Node, at *yaml.Node, sp *spec) (node, error) {
	if sp == nil {
		sp = &spec{wrap: mContains}
	}
	kn := &keywordNode{all: sp.all}
	for _, vn := range vals {
		if isNull(vn) {
			return nil, errAt(vn, "null is not a keyword")
		}
		if vn.Kind != yaml.ScalarNode {
			return nil, errAt(at, "keywords must be plain values")
		}
		ksp := *sp
		if !slices.ContainsFunc(ksp.steps, func(s string) bool { return s == "contains" || s == "startswith" || s == "endswith" }) && ksp.kind == "" {
			// Full-text search: a keyword matches anywhere in a value.
			ksp.steps = append(ksp.steps, "contains")
		}
		ms, err := c.values(ksp, vn)
		if err != nil {
			return nil, err
		}
		kn.vals = append(kn.vals, ms...)
	}
	return kn, nil
}

// values compiles one value node under a modifier chain.
func (c *compiler) values(sp spec, vn *yaml.Node) ([]valueMatch, error) {
	var out []valueMatch
	var err error
	switch sp.kind {
	case "re":
		var m valueMatch
		m, err = compileRegex(vn.Value, sp.reFlags, c.cfg.Limits)
		out = []valueMatch{m}
	case "cidr":
		var p netip.Prefix
		p, err = netip.ParsePrefix(strings.TrimSpace(vn.Value))
		out = []valueMatch{{kind: mCIDR, pfx: p.Masked()}}
	case "lt", "lte", "gt", "gte":
		var f float64
		f, err = strconv.ParseFloat(vn.Value, 64)
		op := map[string]int{"lt": opLT, "lte": opLTE, "gt": opGT, "gte": opGTE}[sp.kind]
		out = []valueMatch{{kind: mNumber, num: f, op: op}}
	default:
		out, err = c.stringValues(sp, vn.Value)
	}
	if err != nil {
		return nil, errAt(vn, "field %q: %v", sp.field, err)
	}
	c.nvalues += len(out)
	if c.nvalues > c.cfg.Limits.MaxValues {
		return nil, errAt(vn, "rule has more than %d values", c.cfg.Limits.MaxValues)
	}
	return out, nil
}

func (c *compiler) stringValues(sp spec, raw string) ([]valueMatch, error) {
	lim := c.cfg.Limits.MaxVariants
	texts := []string{raw}
	if slices.Contains(sp.steps, "expand") {
		var err error
		if texts, err = expandPlaceholders(raw, c.cfg.Placeholders, lim); err != nil {
			return nil, err
		}
	}
	var strs []sstring
	for _, t := range texts {
		strs = append(strs, parseSString(t))
	}
	for _, step := range sp.steps {
		var err error
		if strs, err = applyStep(step, strs, lim); err != nil {
			return nil, err
		}
	}
	out := make([]valueMatch, 0, len(strs))
	for _, s := range strs {
		m, err := compileSString(s, sp.cased)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// applyStep applies one value transformation to every variant.
func applyStep(step string, in []sstring, lim int) ([]sstring, error) {
	var out []sstring
	for _, s := range in {
		next, err := stepOne(step, s, lim)
		if err != nil {
			return nil, err
		}
		out = append(out, next...)
		if len(out) > lim {
			return nil, fmt.Errorf("%s expands to more than %d variants", step, lim)
		}
	}
	return out, nil
}

func stepOne(step string, s sstring, lim int) ([]sstring, error) {
	one := func(f func(string) string) ([]sstring, error) {
		return s.mapLits(func(l string) ([]string, error) { return []string{f(l)}, nil }, lim)
	}
	switch step {
	case "contains":
		return []sstring{s.withStar(true, true)}, nil
	case "startswith":
		return []sstring{s.withStar(false, true)}, nil
	case "endswith":
		return []sstring{s.withStar(true, false)}, nil
	case "windash":
		return s.mapLits(func(l string) ([]string, error) { return windash(l, lim) }, lim)
	case "utf16le", "wide":
		return one(func(l string) string { return utf16Encode(l, false, false) })
	case "utf16be":
		return one(func(l string) string { return utf16Encode(l, true, false) })
	case "utf16":
		return one(func(l string) string { return utf16Encode(l, false, true) })
	case "base64", "base64offset":
		return base64Step(step, s)
	case "expand":
		return []sstring{s}, nil // done before parsing wildcards
	}
	return nil, fmt.Errorf("unknown step %q", step)
}

func base64Step(step string, s sstring) ([]sstring, error) {
	lit, ok := s.literal()
	if !ok {
		return nil, fmt.Errorf("%s of a value with wildcards", step)
	}
	if step == "base64" {
		return []sstring{{{lit: base64.StdEncoding.EncodeToString([]byte(lit))}}}, nil
	}
	var out []sstring
	for _, e := range base64Offsets(lit) {
		out = append(out, sstring{{lit: e}})
	}
	return out, nil
}

// compileRegex compiles a Sigma regular expression with RE2 semantics,
// bounded in length and compiled size.
func compileRegex(expr, flags string, lim Limits) (valueMatch, error) {
	if len(expr) > lim.MaxRegexLen {
		return valueMatch{}, fmt.Errorf("regular expression longer than %d bytes", lim.MaxRegexLen)
	}
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return valueMatch{}, fmt.Errorf("regular expression not supported by RE2: %v", err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return valueMatch{}, fmt.Errorf("regular expression: %v", err)
	}
	if len(prog.Inst) > lim.MaxRegexInsts {
		return valueMatch{}, fmt.Errorf("regular expression too complex (%d instructions, limit %d)", len(prog.Inst), lim.MaxRegexInsts)
	}
	r, err := regexp.Compile(expr)
	if err != nil {
		return valueMatch{}, fmt.Errorf("regular expression not supported by RE2: %v", err)
	}
	return valueMatch{kind: mRegex, re: r}, nil
}
