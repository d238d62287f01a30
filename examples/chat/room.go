package main

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tophat-go/tophat/core/sse"
)

// Limits of a message, checked on every way in.
const (
	maxNameRunes = 32
	maxTextRunes = 1000
	// historySize is how many messages a newcomer sees and a reconnecting
	// client can catch up on; older ones are forgotten.
	historySize = 100
)

var errInvalidMessage = errors.New("chat: name must be 1 to 32 characters and text 1 to 1000")

// A Message is one line of the chat, as the page receives it.
type Message struct {
	ID   int64     `json:"id"`
	Name string    `json:"name"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
}

// A room numbers messages, keeps the recent ones, and publishes each to
// every event stream.
type room struct {
	events *sse.Broadcaster

	mu      sync.Mutex
	nextID  int64
	history []Message // the last historySize, oldest first
}

func newRoom() (*room, error) {
	r := &room{nextID: 1}
	events, err := sse.NewBroadcaster(&sse.BroadcasterConfig{OnOpen: r.replay})
	if err != nil {
		return nil, err
	}
	r.events = events
	return r, nil
}

// post adds a message from name, trimmed, and publishes it.
func (r *room) post(name, text string) (Message, error) {
	name, text = strings.TrimSpace(name), strings.TrimSpace(text)
	if n := utf8.RuneCountInString(name); n == 0 || n > maxNameRunes || !utf8.ValidString(name) {
		return Message{}, errInvalidMessage
	}
	if n := utf8.RuneCountInString(text); n == 0 || n > maxTextRunes || !utf8.ValidString(text) {
		return Message{}, errInvalidMessage
	}
	// Numbering, storing and publishing under one lock keeps the ids of
	// the live stream in the order of the history.
	r.mu.Lock()
	defer r.mu.Unlock()
	m := Message{ID: r.nextID, Name: name, Text: text, Time: time.Now().UTC().Truncate(time.Millisecond)}
	r.nextID++
	r.history = append(r.history, m)
	if len(r.history) > historySize {
		r.history = append(r.history[:0], r.history[len(r.history)-historySize:]...)
	}
	return m, r.events.Publish(event(m))
}

func event(m Message) sse.Event {
	data, _ := json.Marshal(m) // a Message always encodes
	return sse.Event{ID: strconv.FormatInt(m.ID, 10), Data: string(data)}
}

// replay sends a new stream the history after the last id it saw: all of
// it for a newcomer, what it missed for a client that reconnects.
func (r *room) replay(s *sse.Stream) error {
	after, _ := strconv.ParseInt(s.LastEventID(), 10, 64)
	r.mu.Lock()
	missed := make([]Message, 0, len(r.history))
	for _, m := range r.history {
		if m.ID > after {
			missed = append(missed, m)
		}
	}
	r.mu.Unlock()
	for _, m := range missed {
		if err := s.Send(event(m)); err != nil {
			return err
		}
	}
	return nil
}

func (r *room) close() { r.events.Close() }
