// Command airtight is the airtight security platform for connected medical
// devices and patient data: one binary for the server, the demo and every
// administrative command. See internal/cli for the command tree.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/airtight/airtight/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode(err)) // 0 success; 1 failure, or findings from dlp scan; 2 dlp scan usage errors
}
