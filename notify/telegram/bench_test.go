package telegram

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
)

func BenchmarkRenderAlert(b *testing.B) {
	long := model.Alert{Title: strings.Repeat("title ", 50), Link: "https://example.com/a?b=1", Feed: "Feed",
		Snippet: strings.Repeat("«APT29» Київ 🔥 word ", 400)}
	for i := range 20 {
		long.Watches = append(long.Watches, model.WatchMatch{Name: fmt.Sprintf("watch-%d", i), Terms: []string{`APT29, as "Cozy Bear"`}})
	}
	cases := []struct {
		name string
		a    model.Alert
	}{
		{"typical", sampleAlert()},
		{"cut", long},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := renderAlert(c.a, MaxMessageLen); !ok {
					b.Fatal("cannot fit")
				}
			}
		})
	}
}

// BenchmarkSend measures one alert through the real client to the loopback
// fake (HTTP round trip, form encoding, HTML parse on the fake's side).
func BenchmarkSend(b *testing.B) {
	f := newFakeAPIB(b)
	bot, err := New(context.Background(), Options{Token: testToken, API: f.URL()})
	if err != nil {
		b.Fatal(err)
	}
	a := sampleAlert()
	a.Destination = "telegram:100"
	b.ReportAllocs()
	for b.Loop() {
		if err := bot.Send(context.Background(), a); err != nil {
			b.Fatal(err)
		}
	}
}
