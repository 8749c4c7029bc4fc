package score

import "hash/fnv"

// Split divides examples into two halves by a hash of each example's text:
// dev, to look at while improving a detector, and test, to score only at
// the end. The split is deterministic and does not depend on order, so an
// example stays in its half when the data set grows or is shuffled.
func Split(examples []Example) (dev, test []Example) {
	for _, ex := range examples {
		if InDev(ex.Text) {
			dev = append(dev, ex)
		} else {
			test = append(test, ex)
		}
	}
	return dev, test
}

// InDev reports whether an example with this text belongs to the dev half.
func InDev(text string) bool {
	h := fnv.New32a()
	h.Write([]byte(text))
	return h.Sum32()%2 == 0
}
