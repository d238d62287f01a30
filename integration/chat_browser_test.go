package integration

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tophat-go/tophat/internal/testtool"
)

var updateScreenshot = flag.Bool("screenshot", false, "write the chat test's screenshot to docs/chat.png")

// TestChatInBrowser runs examples/chat and opens its page in two tabs of
// headless Chromium, driven through the DevTools protocol: each tab sends
// a message over its WebSocket and sees the other's arrive through its
// event stream. It saves a screenshot of one tab (docs/chat.png with
// -screenshot).
func TestChatInBrowser(t *testing.T) {
	chromium := testtool.Require(t, "chromium", "chromium")
	if testing.Short() {
		t.Skip("builds the chat program and starts a browser")
	}
	chat := startChat(t)

	// The machine has no internet: every background fetch is turned off,
	// or the browser waits on them. As root it needs --no-sandbox.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(800, 500),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	allocCtx, closeBrowser := chromedp.NewExecAllocator(ctx, opts...)
	defer closeBrowser() // kills the browser and waits for it
	alice, closeAlice := chromedp.NewContext(allocCtx)
	defer closeAlice()
	if err := chromedp.Do(alice); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", chromium, err)
	}
	bob, closeBob := chromedp.NewContext(alice) // a second tab
	defer closeBob()

	ready := chromedp.CSS(`body[data-ready="true"]`) // event stream and WebSocket both open
	for _, tab := range []context.Context{alice, bob} {
		if err := chromedp.Do(tab, chromedp.Navigate(chat.url), chromedp.WaitVisible(ready)); err != nil {
			t.Fatalf("opening %s: %v", chat.url, err)
		}
	}
	send := func(tab context.Context, name, text string) {
		t.Helper()
		err := chromedp.Do(tab,
			chromedp.SetValue(chromedp.CSS("#name"), name),
			chromedp.SendKeys(chromedp.CSS("#text"), text),
			chromedp.Click(chromedp.CSS("#send button")),
		)
		if err != nil {
			t.Fatalf("%s sending: %v", name, err)
		}
	}
	arrives := func(tab context.Context, who, text string) {
		t.Helper()
		if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.Search(`//li[contains(., "`+text+`")]`))); err != nil {
			t.Fatalf("%q never reached %s: %v", text, who, err)
		}
	}
	send(alice, "alice", "Hello from the first tab!")
	arrives(bob, "bob", "Hello from the first tab!")
	send(bob, "bob", "Hi alice, the second tab here.")
	arrives(alice, "alice", "Hi alice, the second tab here.")
	send(alice, "alice", "Both ways, over WebSocket and server-sent events.")
	arrives(bob, "bob", "Both ways, over WebSocket and server-sent events.")

	// Both tabs show the same three messages, in the same order, once.
	var lines [2][]string
	for i, tab := range []context.Context{alice, bob} {
		var err error
		lines[i], err = chromedp.Run(tab, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll("#messages li")].map(li => li.querySelector(".name").textContent + ": " + li.lastChild.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"alice: Hello from the first tab!", "bob: Hi alice, the second tab here.", "alice: Both ways, over WebSocket and server-sent events."}
	for i := range lines {
		if strings.Join(lines[i], "\n") != strings.Join(want, "\n") {
			t.Errorf("tab %d shows %q, want %q", i, lines[i], want)
		}
	}

	shot, err := chromedp.Run(bob, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil || img.Bounds().Dx() < 100 || img.Bounds().Dy() < 100 {
		t.Fatalf("screenshot: %v", err)
	}
	out := filepath.Join(t.TempDir(), "chat.png")
	if *updateScreenshot {
		out = filepath.Join("..", "docs", "chat.png")
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%dx%d)", out, img.Bounds().Dx(), img.Bounds().Dy())

	closeBob()
	closeAlice()
	closeBrowser()
	// The messages went over the WebSocket, not the POST fallback.
	logs := chat.stop(t)
	if strings.Count(logs, "target=/ws ") != 2 || strings.Contains(logs, "target=/messages") {
		t.Errorf("the pages did not send over the WebSocket; log:\n%s", logs)
	}
}

type chatProgram struct {
	url    string
	cmd    *exec.Cmd
	mu     sync.Mutex
	logs   strings.Builder
	exited chan error
}

// startChat builds examples/chat and runs it on a free loopback port.
func startChat(t *testing.T) *chatProgram {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chat")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/tophat-go/tophat/examples/chat").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &chatProgram{cmd: cmd, exited: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			p.mu.Lock()
			p.logs.WriteString(lines.Text() + "\n")
			p.mu.Unlock()
			if m := regexp.MustCompile(`INFO listening addr=(http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.url = <-found:
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("chat exited: %v\n%s", err, p.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("chat did not log its address")
	}
	return p
}

// stop ends the program with SIGTERM and returns its log.
func (p *chatProgram) stop(t *testing.T) string {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("chat exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("chat did not stop on SIGTERM")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}
