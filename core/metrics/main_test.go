package metrics_test

import (
	"net/http"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newRequest(method, url string) (*http.Request, error) { return http.NewRequest(method, url, nil) }
