//go:build tools

// Package deps pins dependencies while the packages that use them are being
// written in parallel. Delete once every one is imported for real.
package deps

import (
	_ "github.com/BobuSumisu/aho-corasick"
	_ "github.com/wasilibs/go-re2"
)
