package pgtest

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrNotInstalled is returned by Start when no PostgreSQL binaries are found.
var ErrNotInstalled = errors.New("PostgreSQL (initdb, postgres) is not installed")

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	dir    string // temporary directory holding data and socket
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	log    *tailBuffer
	admin  *sql.DB
	once   sync.Once
}

// Start initialises a cluster in a temporary directory and starts its
// server on 127.0.0.1 and a free port. Call Stop to end it.
func Start() (*Cluster, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := makeDir(cred)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, exited: make(chan struct{}), log: &tailBuffer{max: 16 << 10}}
	if err := c.initdb(bin, cred); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.start(bin, cred); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// findBinaries returns the directory holding initdb and postgres: from PATH,
// else the newest /usr/lib/postgresql/*/bin.
func findBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if _, err := os.Stat(filepath.Join(filepath.Dir(real), "postgres")); err == nil {
				return filepath.Dir(real), nil
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		_, e1 := os.Stat(filepath.Join(d, "initdb"))
		_, e2 := os.Stat(filepath.Join(d, "postgres"))
		if e1 == nil && e2 == nil {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

// versionOf reads the major version from /usr/lib/postgresql/N/bin.
func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// credential returns the user to run PostgreSQL as: nil (the current user)
// unless running as root, which PostgreSQL refuses.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if u, err := user.Lookup("postgres"); err == nil {
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 == nil && err2 == nil {
			return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
		}
	}
	return &syscall.Credential{Uid: 65534, Gid: 65534, NoSetGroups: true}, nil
}

// makeDir creates the cluster's directory, owned by the server's user.
func makeDir(cred *syscall.Credential) (string, error) {
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return "", err
	}
	if err := os.Mkdir(filepath.Join(dir, "sock"), 0o700); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if cred != nil {
		for _, p := range []string{dir, filepath.Join(dir, "sock")} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				os.RemoveAll(dir)
				return "", fmt.Errorf("chown %s: %w", p, err)
			}
		}
	}
	return dir, nil
}

func (c *Cluster) command(cred *syscall.Credential, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	// The kernel kills the server if the test binary dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	return cmd
}

func (c *Cluster) initdb(bin string, cred *syscall.Credential) error {
	cmd := c.command(cred, filepath.Join(bin, "initdb"), "-D", filepath.Join(c.dir, "data"),
		"-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// start runs the server on a free port, retrying if another process takes
// the port first.
func (c *Cluster) start(bin string, cred *syscall.Credential) error {
	var err error
	for range 3 {
		if c.port, err = freePort(); err != nil {
			return err
		}
		c.cmd = c.command(cred, filepath.Join(bin, "postgres"), "-D", filepath.Join(c.dir, "data"),
			"-p", strconv.Itoa(c.port), "-h", "127.0.0.1", "-k", filepath.Join(c.dir, "sock"),
			"-F", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
		c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
		if err = c.cmd.Start(); err != nil {
			return fmt.Errorf("start postgres: %w", err)
		}
		c.exited = make(chan struct{})
		go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(c.cmd, c.exited)
		if err = c.openAdmin(30 * time.Second); err == nil {
			return nil
		}
		c.kill()
	}
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// kill ends the server: a fast shutdown, then SIGKILL after 10 seconds.
func (c *Cluster) kill() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.exited
	}
}

// Stop ends the server and removes its files.
func (c *Cluster) Stop() {
	c.once.Do(func() {
		if c.admin != nil {
			c.admin.Close()
		}
		c.kill()
		os.RemoveAll(c.dir)
	})
}

// tailBuffer keeps the last max bytes of the server's output, for errors.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.b))
}
