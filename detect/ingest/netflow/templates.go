package netflow

import (
	"github.com/netsampler/goflow2/v2/decoders/netflow"
)

// templateCache is one exporter's NetFlow v9 / IPFIX templates, bounded:
// past max templates the oldest is forgotten. It refuses templates whose
// records would occupy no bytes (goflow2 would loop forever decoding
// them) by not storing them, so their data sets decode as "template not
// found". It is used under the Decoder's lock.
type templateCache struct {
	max       int
	templates map[uint64]any
	order     []uint64 // insertion order, for eviction
	refused   int64
}

var _ netflow.NetFlowTemplateSystem = (*templateCache)(nil)

func newTemplateCache(max int) *templateCache {
	return &templateCache{max: max, templates: map[uint64]any{}}
}

func key(version uint16, domain uint32, id uint16) uint64 {
	return uint64(version)<<48 | uint64(domain)<<16 | uint64(id)
}

func (c *templateCache) AddTemplate(version uint16, domain uint32, id uint16, tmpl any) error {
	if recordSize(tmpl) == 0 {
		c.refused++
		return nil
	}
	k := key(version, domain, id)
	if _, ok := c.templates[k]; !ok {
		if len(c.order) >= c.max {
			delete(c.templates, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, k)
	}
	c.templates[k] = tmpl
	return nil
}

func (c *templateCache) GetTemplate(version uint16, domain uint32, id uint16) (any, error) {
	if t, ok := c.templates[key(version, domain, id)]; ok {
		return t, nil
	}
	return nil, netflow.ErrorTemplateNotFound
}

func (c *templateCache) RemoveTemplate(version uint16, domain uint32, id uint16) (any, error) {
	k := key(version, domain, id)
	t, ok := c.templates[k]
	if !ok {
		return nil, netflow.ErrorTemplateNotFound
	}
	delete(c.templates, k)
	for i, o := range c.order {
		if o == k {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
	return t, nil
}

func (c *templateCache) GetTemplates() netflow.FlowBaseTemplateSet {
	out := make(netflow.FlowBaseTemplateSet, len(c.templates))
	for k, v := range c.templates {
		out[k] = v
	}
	return out
}

// recordSize is the least number of bytes one record of the template
// occupies: its fixed-length fields, plus one per variable-length field.
func recordSize(tmpl any) int {
	switch t := tmpl.(type) {
	case netflow.TemplateRecord:
		return fieldsSize(t.Fields)
	case netflow.NFv9OptionsTemplateRecord:
		return fieldsSize(t.Scopes) + fieldsSize(t.Options)
	case netflow.IPFIXOptionsTemplateRecord:
		return fieldsSize(t.Scopes) + fieldsSize(t.Options)
	}
	return 0
}

func fieldsSize(fields []netflow.Field) int {
	n := 0
	for _, f := range fields {
		if f.Length == 0xffff {
			n++
			continue
		}
		n += int(f.Length)
	}
	return n
}
