namespace ProcessFarm.Coordinator.Echo;

/// <summary>Small-message latency of one mode.</summary>
internal sealed record LatencyMeasurement(string Mode, int PayloadBytes, int RoundTrips, double P50Us, double P99Us);
