package kcp

import "testing"

// TestPresetSettings pins what each preset hands kcp-go, so that a change
// to one is a decision, and that explicit fields still win over the
// presets'.
func TestPresetSettings(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want settings
	}{
		{Config{Preset: Fast}, settings{noDelay: 1, interval: 10, resend: 2, noCongestion: 1, ackNoDelay: true,
			sendWindow: DefaultWindow, recvWindow: DefaultWindow}},
		{Config{Preset: Lossy}, settings{noDelay: 1, interval: 10, resend: 2, noCongestion: 1,
			sendWindow: LossyWindow, recvWindow: LossyWindow, duplicates: LossyDuplicates}},
		{Config{Preset: Lossy, Duplicates: DuplicatesOff, DataShards: 1, ParityShards: 3},
			settings{noDelay: 1, interval: 10, resend: 2, noCongestion: 1,
				sendWindow: LossyWindow, recvWindow: LossyWindow, dataShards: 1, parityShards: 3}},
		{Config{Preset: Fast, Duplicates: 1}, settings{noDelay: 1, interval: 10, resend: 2, noCongestion: 1, ackNoDelay: true,
			sendWindow: DefaultWindow, recvWindow: DefaultWindow, duplicates: 1}},
		{Config{Preset: Normal}, settings{interval: 40, sendWindow: DefaultWindow, recvWindow: DefaultWindow}},
		{Config{Preset: Bulk}, settings{noDelay: 1, interval: 10, noCongestion: 1,
			sendWindow: BulkWindow, recvWindow: BulkWindow}},
		{Config{Preset: Bulk, SendWindow: 64, AckNoDelay: On}, settings{noDelay: 1, interval: 10, noCongestion: 1,
			ackNoDelay: true, sendWindow: 64, recvWindow: BulkWindow}},
	} {
		got, err := tc.cfg.resolve()
		if err != nil {
			t.Fatal(err)
		}
		tc.want.mtu, tc.want.idleTimeout, tc.want.linger = DefaultMTU, DefaultIdleTimeout, DefaultLinger
		if got != tc.want {
			t.Errorf("%+v:\n got %+v\nwant %+v", tc.cfg, got, tc.want)
		}
	}
}
