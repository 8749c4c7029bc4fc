package csaf

import (
	"fmt"
)

// leaf is one product of the product tree with its place in it.
type leaf struct {
	vendor, product, version, fullName, id string
}

// productLeaves indexes the products of d by product id: branch leaves,
// full_product_names and relationships.
func productLeaves(d *document) (map[string]*leaf, error) {
	w := &walker{leaves: map[string]*leaf{}}
	for i := range d.ProductTree.Branches {
		if err := w.walk(&d.ProductTree.Branches[i], leaf{}, fmt.Sprintf("branches[%d]", i), 1); err != nil {
			return nil, err
		}
	}
	for i, p := range d.ProductTree.FullProductNames {
		if err := w.add(&leaf{product: p.Name, fullName: p.Name, id: p.ProductID}, fmt.Sprintf("full_product_names[%d]", i)); err != nil {
			return nil, err
		}
	}
	for i, r := range d.ProductTree.Relationships {
		if err := w.relate(r, fmt.Sprintf("relationships[%d]", i)); err != nil {
			return nil, err
		}
	}
	return w.leaves, nil
}

type walker struct {
	leaves map[string]*leaf
}

func (w *walker) walk(b *branch, ctx leaf, place string, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("%s: branches nested deeper than %d", place, MaxDepth)
	}
	switch b.Category {
	case "vendor":
		ctx.vendor = b.Name
	case "product_name", "product_family":
		ctx.product = joinName(ctx.product, b.Name)
	case "product_version", "product_version_range":
		ctx.version = b.Name
	}
	if b.Product != nil {
		l := ctx
		l.fullName, l.id = b.Product.Name, b.Product.ProductID
		if l.product == "" {
			l.product = b.Product.Name
		}
		if err := w.add(&l, place+".product"); err != nil {
			return err
		}
	}
	for i := range b.Branches {
		if err := w.walk(&b.Branches[i], ctx, fmt.Sprintf("%s.branches[%d]", place, i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// joinName nests a product name in a family: the more specific name wins
// when it already repeats the family.
func joinName(family, name string) string {
	if family == "" {
		return name
	}
	return family + " " + name
}

func (w *walker) add(l *leaf, place string) error {
	if l.id == "" {
		return fmt.Errorf("%s: product without product_id", place)
	}
	if len(w.leaves) >= MaxProducts {
		return fmt.Errorf("%s: more than %d products", place, MaxProducts)
	}
	if _, dup := w.leaves[l.id]; !dup {
		w.leaves[l.id] = l
	}
	return nil
}

// relate adds the product a relationship defines: the referenced component
// product, named as installed on (or part of) the other.
func (w *walker) relate(r relationship, place string) error {
	base := w.leaves[r.ProductReference]
	if base == nil {
		return fmt.Errorf("%s: unknown product_reference %q", place, r.ProductReference)
	}
	l := *base
	l.id, l.fullName = r.FullProductName.ProductID, r.FullProductName.Name
	return w.add(&l, place+".full_product_name")
}
