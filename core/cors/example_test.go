package cors_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/cors"
	"github.com/tophat-go/tophat/transports/pipe"
)

func ExampleNew() {
	mw, err := cors.New(cors.Config{
		AllowOrigins:     []string{"https://app.example"},
		AllowMethods:     []string{"PUT", "DELETE"},
		AllowHeaders:     []string{"Content-Type"},
		AllowCredentials: true,
		MaxAge:           10 * time.Minute,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	api := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "updated\n")
	})

	// Serve in process and ask as a browser would before a PUT.
	l, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: core.Chain(api, mw)}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	client := l.Client()
	defer func() { client.CloseIdleConnections(); srv.Shutdown(context.Background()); <-done }()

	req, _ := http.NewRequest("OPTIONS", "http://api.example/items/1", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	for _, name := range []string{
		"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
		"Access-Control-Max-Age", "Vary",
	} {
		fmt.Printf("%s: %s\n", name, resp.Header.Get(name))
	}
	// Output:
	// 204
	// Access-Control-Allow-Origin: https://app.example
	// Access-Control-Allow-Credentials: true
	// Access-Control-Allow-Methods: PUT, DELETE
	// Access-Control-Allow-Headers: content-type
	// Access-Control-Max-Age: 600
	// Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
}
