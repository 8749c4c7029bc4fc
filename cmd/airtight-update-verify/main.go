// Command airtight-update-verify is the device-side check of a signed
// update, small enough to embed in a device's update agent: only the TUF
// client and the checks of package updates, no command framework, no
// database. It exits 0 and prints "verified" when the update may be
// installed, 1 with the reason when it is refused, 2 on bad usage.
//
//	airtight-update-verify -repo URL|DIR -root root.json -metadata-dir DIR \
//	    -product-line NAME -installed-version V [-target NAME] [-model M] [-download] FILE
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/updates"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	req, err := parse(args, stderr)
	if err != nil {
		return 2
	}
	v, err := updates.Verify(req)
	if err != nil {
		fmt.Fprintf(stderr, "airtight-update-verify: %s\n", message(err))
		return 1
	}
	fmt.Fprintf(stdout, "verified %s version %s (model %s, sha256 %s)\n", v.Target, v.Meta.Version, v.Meta.Model, v.SHA256)
	return 0
}

func parse(args []string, stderr io.Writer) (updates.VerifyRequest, error) {
	var req updates.VerifyRequest
	var root string
	fs := flag.NewFlagSet("airtight-update-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&req.Repo, "repo", "", "repository URL (http, https) or directory")
	fs.StringVar(&root, "root", "", "trusted root.json the device was provisioned with")
	fs.StringVar(&req.MetadataDir, "metadata-dir", "", "trusted metadata directory, kept between runs")
	fs.StringVar(&req.ProductLine, "product-line", "", "the device's product line")
	fs.StringVar(&req.InstalledVersion, "installed-version", "", "version installed on the device")
	fs.StringVar(&req.Target, "target", "", "target name (default: base name of FILE)")
	fs.StringVar(&req.Model, "model", "", "the device's model; if set, the target must be for it")
	fs.BoolVar(&req.Download, "download", false, "download the target into FILE first")
	if err := fs.Parse(args); err != nil {
		return req, err
	}
	if fs.NArg() != 1 || root == "" {
		fmt.Fprintln(stderr, "usage: airtight-update-verify -repo URL|DIR -root root.json -metadata-dir DIR -product-line NAME -installed-version V FILE")
		return req, flag.ErrHelp
	}
	req.File = fs.Arg(0)
	if req.Target == "" {
		req.Target = filepath.Base(req.File)
	}
	data, err := os.ReadFile(root)
	if err != nil {
		fmt.Fprintf(stderr, "airtight-update-verify: cannot read trusted root %s\n", root)
		return req, err
	}
	req.TrustedRoot = data
	return req, nil
}

// message is the reason shown for err: the application message, or the
// full text of an unexpected error (the device's own log, no PHI involved).
func message(err error) string {
	if airtight.ErrorCode(err) == airtight.EInternal {
		return err.Error()
	}
	return airtight.ErrorMessage(err)
}
