using System.Buffers;

namespace ProcessFarm.Shared.Protocol;

/// <summary>The first frame a worker sends.</summary>
/// <param name="Version">The protocol version the worker speaks.</param>
/// <param name="WorkerId">The id the coordinator gave the worker on its command line.</param>
/// <param name="ProcessId">The worker's process id.</param>
/// <param name="Secret">The per-run secret the worker read from its standard input.</param>
/// <param name="Kernel">The LUT kernel the worker's CPU runs (for reports).</param>
public sealed record HelloMessage(uint Version, uint WorkerId, int ProcessId, byte[] Secret, string Kernel);

/// <summary>A failure report.</summary>
/// <param name="JobId">The job or attach request that failed, or null when the failure is not tied to one.</param>
/// <param name="Code">What kind of failure.</param>
/// <param name="Message">A sentence for logs and users.</param>
public sealed record ErrorMessage(ulong? JobId, ErrorCode Code, string Message);

/// <summary>A request to map a shared-memory region.</summary>
/// <param name="JobId">Correlates the reply.</param>
/// <param name="Path">A path the worker can open: the coordinator's /proc/&lt;pid&gt;/fd/&lt;n&gt; link.</param>
/// <param name="Size">The region's size in bytes, header included.</param>
public sealed record AttachRequest(ulong JobId, string Path, long Size);

/// <summary>Worker-side timings returned with every result, in nanoseconds.</summary>
/// <param name="KernelNs">Time spent in the job's own work (the LUT, re-encoding an echo, fib).</param>
/// <param name="TotalNs">From the frame being parsed to its reply being written.</param>
public readonly record struct WorkerTimings(long KernelNs, long TotalNs);

/// <summary>How a payload is carried in a job or result frame.</summary>
public enum PayloadEncoding
{
    /// <summary>nil: no payload (shared-memory jobs, attach replies).</summary>
    None,

    /// <summary>A MessagePack bin holding raw bytes (tile pixels, echo bytes).</summary>
    Binary,

    /// <summary>Any single MessagePack value, written as is (structured echo payloads).</summary>
    Value,
}

/// <summary>A parsed job frame.</summary>
/// <remarks>
/// <see cref="Payload"/> slices the frame: valid until the reader that produced the frame is advanced. For
/// <see cref="PayloadEncoding.Binary"/> it holds the bin's bytes; for <see cref="PayloadEncoding.Value"/> the
/// whole encoded value.
/// </remarks>
public readonly struct JobRequest
{
    /// <summary>Creates a parsed job.</summary>
    public JobRequest(ulong id, JobKind kind, JobParameters parameters, PayloadEncoding encoding, ReadOnlySequence<byte> payload)
    {
        Id = id;
        Kind = kind;
        Parameters = parameters;
        Encoding = encoding;
        Payload = payload;
    }

    /// <summary>The coordinator's id for the job; echoed in the reply.</summary>
    public ulong Id { get; }

    /// <summary>What to do.</summary>
    public JobKind Kind { get; }

    /// <summary>The job's parameters.</summary>
    public JobParameters Parameters { get; }

    /// <summary>How the payload was carried.</summary>
    public PayloadEncoding Encoding { get; }

    /// <summary>The payload bytes (see remarks).</summary>
    public ReadOnlySequence<byte> Payload { get; }
}

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
