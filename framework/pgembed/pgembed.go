package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoBinaries is wrapped by FindBinaries when no Postgres server binaries
// are installed.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (initdb, postgres)")

// InstallHint tells a person how to get the binaries on Debian/Ubuntu.
const InstallHint = "install them with `apt-get install postgresql` (Debian/Ubuntu; the binaries land in /usr/lib/postgresql/<version>/bin), or set PG_BIN to a directory holding initdb and postgres"

// Options configure a server.
type Options struct {
	// DataDir holds the cluster. It is created and initialised with initdb if
	// it has no PG_VERSION file; an existing cluster is reused.
	DataDir string
	// SocketDir is where the server's unix socket lives. Default: DataDir.
	// Unix socket paths are limited to about 100 bytes.
	SocketDir string
	// Port numbers the socket (.s.PGSQL.<port>) and, with ListenAddresses,
	// the TCP port. Default 5432.
	Port int
	// ListenAddresses is the TCP listen list; empty means unix socket only.
	ListenAddresses string
	// Settings are extra server settings passed as -c name=value.
	Settings map[string]string
	// LogFile receives the server's log. Default: DataDir/../postgres.log.
	LogFile string
	// BinDir overrides FindBinaries.
	BinDir string
	// Logger receives progress lines. Default slog.Default().
	Logger *slog.Logger
	// StartTimeout bounds start-up. Default 60 s.
	StartTimeout time.Duration
}

// Server is a running postgres process started by Start.
type Server struct {
	opts Options
	cmd  *exec.Cmd
	done chan struct{}
	werr error
	cred *syscall.Credential
}

// FindBinaries returns the directory holding initdb and postgres: $PG_BIN,
// else the directory of initdb on PATH, else the newest
// /usr/lib/postgresql/<version>/bin.
func FindBinaries() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
		return "", fmt.Errorf("pgembed: PG_BIN=%s has no initdb and postgres: %w; %s", d, ErrNoBinaries, InstallHint)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("pgembed: %w; %s", ErrNoBinaries, InstallHint)
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// osUser returns the credential the server must run as: nil for a normal
// user, the "postgres" OS user when running as root (Postgres refuses to run
// as root).
func osUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgembed: running as root, and Postgres refuses to run as root: create the \"postgres\" OS user (the postgresql package does) or run as a normal user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// MkdirOwned creates dir (and parents) with mode 0700, owned by the user the
// server runs as.
func MkdirOwned(dir string) error {
	cred, err := osUser()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	return chown(dir, cred)
}

func chown(path string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	if err := os.Chown(path, int(cred.Uid), int(cred.Gid)); err != nil {
		return fmt.Errorf("pgembed: chown %s to the postgres user: %w", path, err)
	}
	return nil
}

// Reachable reports whether a server started by this process could use dir
// as its data or socket directory: nil when the process does not run as
// root (the server then runs as the same user), else an error naming the
// first existing ancestor of dir that the postgres OS user cannot enter
// (a project under /root, mode 0700, say). Missing ancestors do not count:
// Start creates them enterable.
func Reachable(dir string) error {
	cred, err := osUser()
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	return checkTraversable(abs, cred)
}

// checkTraversable fails clearly when the server user cannot reach dir, e.g.
// a data directory under /root while running as root. Ancestors that do not
// exist yet are skipped (they are created enterable).
func checkTraversable(dir string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if errors.Is(err, os.ErrNotExist) && d != "/" && d != "." {
			continue
		}
		if err != nil {
			return fmt.Errorf("pgembed: %w", err)
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if ok && st.Mode().Perm()&0o001 == 0 && !(sys.Uid == cred.Uid && st.Mode().Perm()&0o100 != 0) && !(sys.Gid == cred.Gid && st.Mode().Perm()&0o010 != 0) {
			return fmt.Errorf("pgembed: the postgres OS user cannot enter %s (mode %v); choose a data directory outside it", d, st.Mode().Perm())
		}
		if d == "/" || d == "." {
			return nil
		}
	}
}

// Start initialises the cluster if needed, starts postgres and waits until it
// accepts connections. The server is stopped by Stop; with pdeathsig it also
// dies if this process is killed (Linux).
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.DataDir == "" {
		return nil, errors.New("pgembed: Options.DataDir is required")
	}
	abs, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	opts.DataDir = abs
	if opts.SocketDir == "" {
		opts.SocketDir = opts.DataDir
	}
	if opts.Port == 0 {
		opts.Port = 5432
	}
	if opts.LogFile == "" {
		opts.LogFile = filepath.Join(filepath.Dir(opts.DataDir), "postgres.log")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if len(filepath.Join(opts.SocketDir, ".s.PGSQL."+strconv.Itoa(opts.Port))) > 100 {
		return nil, fmt.Errorf("pgembed: socket directory %s is too long for a unix socket path (max ~100 bytes); set a shorter SocketDir", opts.SocketDir)
	}
	bin := opts.BinDir
	if bin == "" {
		if bin, err = FindBinaries(); err != nil {
			return nil, err
		}
	}
	cred, err := osUser()
	if err != nil {
		return nil, err
	}
	for _, d := range []string{opts.DataDir, opts.SocketDir} {
		// Missing parents are created enterable (0755), so the server user
		// can reach d; MkdirOwned would make them 0700 and root's.
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return nil, fmt.Errorf("pgembed: %w", err)
		}
		if err := checkTraversable(d, cred); err != nil {
			return nil, err
		}
		if err := MkdirOwned(d); err != nil {
			return nil, err
		}
	}
	s := &Server{opts: opts, cred: cred, done: make(chan struct{})}
	if _, err := os.Stat(filepath.Join(opts.DataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := s.initdb(ctx, bin); err != nil {
			return nil, err
		}
	}
	if err := s.start(ctx, bin); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	return cmd
}

func (s *Server) initdb(ctx context.Context, bin string) error {
	t0 := time.Now()
	cmd := s.command(ctx, filepath.Join(bin, "initdb"), "-D", s.opts.DataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgembed: initdb %s: %w\n%s", s.opts.DataDir, err, strings.TrimSpace(out.String()))
	}
	s.opts.Logger.Debug("pgembed: initdb done", "dir", s.opts.DataDir, "took", time.Since(t0))
	return nil
}

func (s *Server) start(ctx context.Context, bin string) error {
	logf, err := os.OpenFile(s.opts.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgembed: open log: %w", err)
	}
	args := []string{"-D", s.opts.DataDir, "-k", s.opts.SocketDir, "-p", strconv.Itoa(s.opts.Port), "-c", "listen_addresses=" + s.opts.ListenAddresses}
	keys := make([]string, 0, len(s.opts.Settings))
	for k := range s.opts.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+s.opts.Settings[k])
	}
	// Not CommandContext: the server outlives the start-up context.
	cmd := s.command(context.Background(), filepath.Join(bin, "postgres"), args...)
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("pgembed: start postgres: %w", err)
	}
	s.cmd = cmd
	go func() {
		s.werr = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	deadline := time.Now().Add(s.opts.StartTimeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgconn.Connect(cctx, s.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(ctx)
			if s.ownsDataDir() {
				return nil
			}
			// Another server answers on this socket (e.g. one already
			// running on the same data directory); ours is about to exit
			// with the reason in its log.
		}
		select {
		case <-s.done:
			return fmt.Errorf("pgembed: postgres exited during start-up (%v); its log %s says:\n%s", s.werr, s.opts.LogFile, tail(s.opts.LogFile, 15))
		case <-ctx.Done():
			_ = s.Stop(context.Background())
			return fmt.Errorf("pgembed: start: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.Stop(context.Background())
			return fmt.Errorf("pgembed: postgres did not accept connections within %s (last error: %v); log %s:\n%s", s.opts.StartTimeout, err, s.opts.LogFile, tail(s.opts.LogFile, 15))
		}
	}
}

// ownsDataDir reports whether the data directory's lock file names our
// process, i.e. the server answering on the socket is the one we started.
func (s *Server) ownsDataDir() bool {
	b, err := os.ReadFile(filepath.Join(s.opts.DataDir, "postmaster.pid"))
	if err != nil {
		return false
	}
	pid, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(pid) == strconv.Itoa(s.cmd.Process.Pid)
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(log unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// URL returns a connection URL for database db over the unix socket, as the
// postgres superuser.
func (s *Server) URL(db string) string {
	q := url.Values{"host": {s.opts.SocketDir}, "port": {strconv.Itoa(s.opts.Port)}, "user": {"postgres"}, "sslmode": {"disable"}}
	return "postgres:///" + url.PathEscape(db) + "?" + q.Encode()
}

// DataDir returns the cluster directory.
func (s *Server) DataDir() string { return s.opts.DataDir }

// Done is closed when the server process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stop shuts the server down with a fast shutdown (SIGINT: active
// transactions are rolled back, data is flushed), escalating to an immediate
// shutdown (SIGQUIT) if ctx ends first.
func (s *Server) Stop(ctx context.Context) error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		<-s.done
		return fmt.Errorf("pgembed: fast shutdown timed out, used immediate shutdown: %w", ctx.Err())
	}
}

// Kill kills the server and every process it started (its backends and
// auxiliary processes, which Postgres puts in sessions of their own) with
// SIGKILL, as a crash or the kernel's out-of-memory killer would, and waits
// until they are all gone. Start on the same DataDir then runs Postgres's
// crash recovery. For fault tests; Linux only (it reads /proc).
func (s *Server) Kill() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	pid := s.cmd.Process.Pid
	// Frozen, the postmaster starts no new child while its children are
	// listed and killed.
	_ = syscall.Kill(pid, syscall.SIGSTOP)
	kids := childrenOf(pid)
	for _, k := range kids {
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("pgembed: kill: %w", err)
	}
	<-s.done
	deadline := time.Now().Add(10 * time.Second)
	for _, k := range kids {
		for alive(k) {
			if time.Now().After(deadline) {
				return fmt.Errorf("pgembed: kill: process %d of the server still runs", k)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, ok := procStat(n); ok && ppid == pid {
			out = append(out, n)
		}
	}
	return out
}

// procStat reads a process's parent and state from /proc/<pid>/stat.
func procStat(pid int) (ppid int, state byte, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 || len(f[0]) != 1 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0][0], err == nil
}

// alive reports whether pid still runs (a zombie, waiting to be reaped,
// does not).
func alive(pid int) bool {
	_, state, ok := procStat(pid)
	return ok && state != 'Z' && state != 'X'
}

// PID is the postmaster's process id (0 before Start).
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}
