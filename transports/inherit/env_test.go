package inherit

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseEnv(t *testing.T) {
	const pid, ppid = 100, 50
	tests := []struct {
		name  string
		env   map[string]string
		want  []Socket
		ready int
		err   error
	}{
		{"not activated", map[string]string{}, nil, -1, nil},
		{"systemd", map[string]string{"LISTEN_PID": "100", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "web:admin"},
			[]Socket{{3, "web"}, {4, "admin"}}, -1, nil},
		{"no names", map[string]string{"LISTEN_PID": "100", "LISTEN_FDS": "1"}, []Socket{{3, "unknown"}}, -1, nil},
		{"empty name", map[string]string{"LISTEN_PID": "100", "LISTEN_FDS": "1", "LISTEN_FDNAMES": ""}, []Socket{{3, ""}}, -1, nil},
		{"for another process", map[string]string{"LISTEN_PID": "101", "LISTEN_FDS": "2"}, nil, -1, nil},
		{"handover", map[string]string{"TOPHAT_LISTEN_PPID": "50", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "web", "TOPHAT_READY_FD": "4"},
			[]Socket{{3, "web"}}, 4, nil},
		{"handover to a grandchild", map[string]string{"TOPHAT_LISTEN_PPID": "49", "LISTEN_FDS": "1"}, nil, -1, nil},
		{"no PID at all", map[string]string{"LISTEN_FDS": "1"}, nil, -1, nil},
		{"systemd ignores the ready descriptor", map[string]string{"LISTEN_PID": "100", "LISTEN_FDS": "1", "TOPHAT_READY_FD": "4"},
			[]Socket{{3, "unknown"}}, -1, nil},
		{"bad PID", map[string]string{"LISTEN_PID": "x", "LISTEN_FDS": "1"}, nil, -1, ErrInvalidEnv},
		{"bad count", map[string]string{"LISTEN_PID": "100", "LISTEN_FDS": "-1"}, nil, -1, ErrInvalidEnv},
		{"huge count", map[string]string{"LISTEN_PID": "100", "LISTEN_FDS": "100000"}, nil, -1, ErrInvalidEnv},
		{"names mismatch", map[string]string{"LISTEN_PID": "100", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "web"}, nil, -1, ErrInvalidEnv},
		{"ready among the sockets", map[string]string{"TOPHAT_LISTEN_PPID": "50", "LISTEN_FDS": "2", "TOPHAT_READY_FD": "4"}, nil, -1, ErrInvalidEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			got, err := parseEnv(lookup, pid, ppid)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if len(got.sockets) == 0 {
				got.sockets = nil
			}
			if !reflect.DeepEqual(got.sockets, tt.want) || got.readyFD != tt.ready {
				t.Fatalf("got %+v, ready %d; want %+v, ready %d", got.sockets, got.readyFD, tt.want, tt.ready)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	for _, bad := range []string{"", "a:b", "tab\there", string(make([]byte, 256))} {
		if err := checkName(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if err := checkName("web-1.socket"); err != nil {
		t.Error(err)
	}
}

func TestWithoutProtocol(t *testing.T) {
	got := withoutProtocol([]string{"PATH=/bin", "LISTEN_PID=1", "LISTEN_FDS=2", "LISTEN_FDNAMES=a", "TOPHAT_LISTEN_PPID=3", "TOPHAT_READY_FD=4", "HOME=/"})
	if !reflect.DeepEqual(got, []string{"PATH=/bin", "HOME=/"}) {
		t.Fatal(got)
	}
}
