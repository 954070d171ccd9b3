using System.Buffers;

namespace ProcessFarm.Shared.Protocol;

/// <summary>A parsed result frame; <see cref="Payload"/> follows the rules of <see cref="JobRequest.Payload"/>.</summary>
public readonly struct JobResult
{
    /// <summary>Creates a parsed result.</summary>
    public JobResult(ulong id, WorkerTimings timings, PayloadEncoding encoding, ReadOnlySequence<byte> payload)
    {
        Id = id;
        Timings = timings;
        Encoding = encoding;
        Payload = payload;
    }

    /// <summary>The id of the job this answers.</summary>
    public ulong Id { get; }

    /// <summary>Where the worker's time went.</summary>
    public WorkerTimings Timings { get; }

    /// <summary>How the payload was carried.</summary>
    public PayloadEncoding Encoding { get; }

    /// <summary>The payload bytes.</summary>
    public ReadOnlySequence<byte> Payload { get; }
}
