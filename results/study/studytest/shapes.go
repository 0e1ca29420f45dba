package studytest

// proxy is one system of the fixture and its figures at each shape.
type proxy struct {
	target           string
	baseline         bool
	moderate, noKeep Dist
	max              Dist
	maxRPS, cpu, rss float64
	// failModerateRound is the round whose second moderate step fails,
	// failMaxRound the round whose max cell fails; 0 for none.
	failModerateRound int
	failMaxRound      int
}

// proxies are the fixture's systems: nginx as the baseline and five
// proxies. At p50 go-tcp-proxy beats haproxy and http-tunnel; at p99
// http-tunnel beats haproxy: both are swaps of the published order. At
// max load the measured order of throughput keeps the published one.
func proxies() []proxy {
	return []proxy{
		{target: "nginx", baseline: true, moderate: Dist{180, 450, 700, 1500}, noKeep: Dist{520, 1100, 1500, 2600},
			max: Dist{1500, 3200, 3800, 9000}, maxRPS: 24000, cpu: 96, rss: 6},
		{target: "haproxy", moderate: Dist{230, 580, 950, 2000}, noKeep: Dist{760, 1400, 1900, 3000},
			max: Dist{2100, 4000, 5200, 12000}, maxRPS: 18200, cpu: 88, rss: 9},
		{target: "http-tunnel", moderate: Dist{240, 560, 900, 1900}, noKeep: Dist{1100, 1900, 2200, 3600},
			max: Dist{2000, 3800, 5000, 11000}, maxRPS: 18500, cpu: 91, rss: 7},
		{target: "go-tcp-proxy", moderate: Dist{225, 1400, 4500, 8000}, noKeep: Dist{1000, 3300, 8000, 9500},
			max: Dist{2200, 5500, 9800, 19000}, maxRPS: 17000, cpu: 130, rss: 14},
		{target: "netcrusher", moderate: Dist{280, 1600, 7000, 30000}, noKeep: Dist{3500, 9000, 50000, 130000},
			max: Dist{2900, 15000, 50000, 90000}, maxRPS: 10500, cpu: 160, rss: 180},
		{target: "pproxy", moderate: Dist{470, 2100, 4300, 9000}, noKeep: Dist{3800, 7000, 10000, 16000},
			max: Dist{5000, 13000, 35000, 60000}, maxRPS: 7400, cpu: 99, rss: 35,
			failModerateRound: 2, failMaxRound: 3},
	}
}

// roundFactor makes rounds differ a little: 0.98, 1.00, 1.02.
func roundFactor(round int) float64 { return 0.96 + 0.02*float64(round) }

// moderateCells are one round of the moderate shape: two rate steps
// (4,000 and 6,000 rps, the second 10% slower) per system.
func moderateCells(round int) []Cell {
	var out []Cell
	for _, p := range proxies() {
		for step, rate := range []float64{4000, 6000} {
			c := Cell{
				Target: p.target, Baseline: p.baseline, Load: "moderate", Step: step + 1, Round: round,
				RateRPS: rate, Achieved: rate * 0.999, Latency: p.moderate.Scaled(roundFactor(round) * (1 + 0.1*float64(step))),
				CPUPct: p.cpu * rate / 10000, RSSMiB: int64(p.rss),
			}
			if step == 1 && round == p.failModerateRound {
				c.Failure = "target exited: signal: killed"
			}
			out = append(out, c)
		}
	}
	return out
}

// maxCells are one round of the max shape: closed loop, 100 connections.
func maxCells(round int) []Cell {
	var out []Cell
	for _, p := range proxies() {
		c := Cell{
			Target: p.target, Baseline: p.baseline, Load: "max", Round: round,
			Achieved: p.maxRPS * (2 - roundFactor(round)), Latency: p.max.Scaled(roundFactor(round)),
			CPUPct: p.cpu + float64(round), RSSMiB: int64(p.rss) + int64(round),
		}
		if round == p.failMaxRound {
			c.Failure = "target not ready after 10s: dial tcp 127.0.0.1:9000: connect: connection refused"
		}
		out = append(out, c)
	}
	return out
}

// noKeepAliveCells are one round of the no-keep-alive shape: a new
// connection per request at 200 and 1,400 connections/s. NetCrusher's
// second step in the first round shows Nagle's algorithm: 15% of its
// requests wait 41 ms for a delayed ACK.
func noKeepAliveCells(round int) []Cell {
	var out []Cell
	for _, p := range proxies() {
		for step, rate := range []float64{200, 1400} {
			c := Cell{
				Target: p.target, Baseline: p.baseline, Load: "nokeepalive", Connect: true, Step: step + 1, Round: round,
				RateRPS: rate, Achieved: rate, Latency: p.noKeep.Scaled(roundFactor(round)),
				CPUPct: p.cpu * rate / 5000, RSSMiB: int64(p.rss),
			}
			if p.target == "netcrusher" && step == 1 && round == 1 {
				c.Extra = []Point{{41000, 177}}
				c.Warnings = []string{NagleWarning}
			}
			out = append(out, c)
		}
	}
	return out
}
