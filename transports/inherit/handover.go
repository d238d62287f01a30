package inherit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Handover starts cmd, a new process that will serve the listeners from
// here on, and returns once it has called Ready. The caller then shuts its
// own server down (core.Server.Shutdown), which finishes the requests in
// flight while the new process accepts every new connection: the sockets
// never close, so no connection is refused or lost in between.
//
// The listeners reach the new process as systemd would pass them:
// descriptors 3, 4, … in the order given, LISTEN_FDS and LISTEN_FDNAMES
// set, and TOPHAT_LISTEN_PPID in place of LISTEN_PID (which a parent
// cannot know before its child exists); the new process takes them with
// Sockets, ListenName or ListenFD, as under systemd. cmd.Env (or, if nil,
// this process's environment) is passed on with those variables replaced.
// cmd.ExtraFiles must be empty: the descriptors are the protocol's.
//
// If the new process exits, or closes its end, before calling Ready,
// Handover returns an error wrapping ErrNotReady; if ctx ends first, it
// kills the new process and returns ctx's error. Either way this process
// keeps serving. On success the caller owns cmd (it may Wait for it; a
// process that exits after the handover need not), and Unix socket files
// are no longer removed when this process closes its listeners.
func Handover(ctx context.Context, cmd *exec.Cmd, listeners ...*Listener) error {
	if !supported {
		return ErrUnsupported
	}
	if len(cmd.ExtraFiles) > 0 {
		return errors.New("inherit: handover: cmd.ExtraFiles must be empty; the inherited sockets take descriptors 3 onwards")
	}
	if len(listeners) == 0 {
		return errors.New("inherit: handover: no listener to hand over")
	}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	names := make([]string, len(listeners))
	for i, l := range listeners {
		f, err := l.file()
		if err != nil {
			return fmt.Errorf("inherit: handover of %s: %w", l.name, err)
		}
		files = append(files, f)
		names[i] = l.name
	}
	ready, readyW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("inherit: handover: %w", err)
	}
	defer ready.Close()
	files = append(files, readyW)

	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	env = withoutProtocol(env)
	env = append(env,
		envFDs+"="+strconv.Itoa(len(listeners)),
		envNames+"="+strings.Join(names, ":"),
		envParentPID+"="+strconv.Itoa(os.Getpid()),
		envReadyFD+"="+strconv.Itoa(firstFD+len(listeners)),
	)
	cmd.Env = env
	cmd.ExtraFiles = files
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("inherit: handover: %w", err)
	}
	// Our copies go now, so that the pipe reports EOF when the new process
	// exits without a word.
	for _, f := range files {
		f.Close()
	}
	files = nil

	stop := context.AfterFunc(ctx, func() { ready.SetReadDeadline(time.Now()) })
	var b [1]byte
	n, err := io.ReadFull(ready, b[:])
	stop()
	if n == 1 && err == nil {
		for _, l := range listeners {
			l.keepFile()
		}
		return nil
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	} else {
		err = fmt.Errorf("%w (pid %d): %w", ErrNotReady, cmd.Process.Pid, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	return err
}

// withoutProtocol drops the variables Handover sets, and LISTEN_PID, from
// an environment.
func withoutProtocol(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case envPID, envFDs, envNames, envParentPID, envReadyFD:
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Ready tells the process that started this one with Handover that this
// one is serving its listeners, so that the old one may shut down. Call it
// once the listeners are taken (the kernel queues connections from then
// on, before the first Accept). It does nothing when this process was not
// started by Handover, and only the first call reports.
func Ready() error {
	if _, err := Sockets(); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if inherited.readyFD < 0 {
		return nil
	}
	f := os.NewFile(uintptr(inherited.readyFD), "ready")
	inherited.readyFD = -1
	_, err := f.Write([]byte{'R'})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("inherit: ready: %w", err)
	}
	return nil
}
