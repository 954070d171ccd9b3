using ProcessFarm.Coordinator.Reports;

namespace ProcessFarm.Coordinator.Echo;

/// <summary>One mode and payload, repeated: round trips in seconds and where a pipe round trip's time went.</summary>
internal sealed record EchoMeasurement(string Mode, string Payload, long Bytes, long Items, double[] RoundTripSeconds)
{
    /// <summary>Coordinator time writing the payload into frames (pipe), median per round trip.</summary>
    public double SerializeSeconds { get; init; }

    /// <summary>Coordinator time reading replies back into objects (pipe), median per round trip.</summary>
    public double DeserializeSeconds { get; init; }

    /// <summary>Worker time re-encoding (pipe, structured payloads), median per round trip.</summary>
    public double WorkerSeconds { get; init; }

    /// <summary>shm: writing the payload into the region once, outside the round trip.</summary>
    public double RegionWriteSeconds { get; init; }

    /// <summary>The true median round trip (the mean of the middle two for an even --repeat).</summary>
    public double Median => Statistics.Median(RoundTripSeconds);

    public double Min => RoundTripSeconds.Min();

    public double Max => RoundTripSeconds.Max();

    /// <summary>2 x payload / round trip: the data went there and back.</summary>
    public double ThroughputGbps => 2.0 * Bytes / Median / 1e9;

    /// <summary>Round trip less serialization, deserialization and worker time: the transfers and hand-offs.</summary>
    public double TransferSeconds => Math.Max(0, Median - SerializeSeconds - DeserializeSeconds - WorkerSeconds);
}
