package model

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestFastRe checks that fastRe answers as the regexp it was made from, on
// the schema's patterns and a few more, for random strings made of the
// characters that matter.
func TestFastRe(t *testing.T) {
	l := newTestLoader(t)
	var res []*regexp.Regexp
	for re := range l.fast {
		res = append(res, re)
	}
	for _, src := range []string{`^[a-z]{2,3}[a-z0-9]$`, `^[0-9]+-x*$`, `^ab?c[.]{0,2}$`, `^[a-c]*[b-d]{1,2}$`} {
		res = append(res, regexp.MustCompile(src))
	}
	usable, matched := 0, 0
	r := rand.New(rand.NewPCG(5, 6))
	chars := "aAbzZ09-_.:x é\n"
	for _, re := range res {
		f := compileFastRe(re)
		if f == nil {
			t.Logf("%s: no fastRe", re)
			continue
		}
		usable++
		for range 20000 {
			var b strings.Builder
			alphabet := chars
			if r.IntN(2) == 0 {
				alphabet = chars[:9] // only characters of ids and dates
			}
			for range r.IntN(72) {
				b.WriteByte(alphabet[r.IntN(len(alphabet))])
			}
			s := b.String()
			got, want := f.MatchString(s), re.MatchString(s)
			if got != want {
				t.Fatalf("%s on %q: %v, want %v", re, s, got, want)
			}
			if want {
				matched++
			}
		}
		for _, s := range []string{"", "a", "2027-01-31", "2027-1-31", "threat-0", "-a", strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("a", 200)} {
			if got, want := f.MatchString(s), re.MatchString(s); got != want {
				t.Fatalf("%s on %q: %v, want %v", re, s, got, want)
			}
		}
	}
	if matched < 1000 {
		t.Errorf("only %d random strings matched", matched)
	}
	if usable < 4 {
		t.Errorf("only %d patterns have a fastRe", usable)
	}
}
