package scenarios

import "testing"

func TestClosest(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "typo", in: "rsut", want: "rust"},
		{name: "exact", in: "go", want: "go"},
		{name: "far", in: "haskell", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Closest(tt.in, []string{"go", "rust", "java", "python"}); got != tt.want {
				t.Errorf("Closest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
