//go:build tools

// Package deps pins the project's dependencies while packages that use them
// are written in parallel. Delete once every one is imported for real.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/yaml.v3"
)
