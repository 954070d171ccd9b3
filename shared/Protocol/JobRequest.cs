using System.Buffers;

namespace ProcessFarm.Shared.Protocol;

/// <summary>A parsed job frame.</summary>
/// <remarks>
/// <see cref="Payload"/> slices the frame: valid until the reader that produced the frame is advanced. For
/// <see cref="PayloadEncoding.Binary"/> it holds the bin's bytes; for <see cref="PayloadEncoding.Value"/> the
/// whole encoded value.
/// </remarks>
public readonly struct JobRequest
{
    /// <summary>Creates a parsed job.</summary>
    public JobRequest(ulong id, JobParameters parameters, PayloadEncoding encoding, ReadOnlySequence<byte> payload)
    {
        Id = id;
        Parameters = parameters;
        Encoding = encoding;
        Payload = payload;
    }

    /// <summary>The coordinator's id for the job; echoed in the reply.</summary>
    public ulong Id { get; }

    /// <summary>What to do.</summary>
    public JobKind Kind => Parameters.Kind;

    /// <summary>The job's parameters, of the type its kind takes.</summary>
    public JobParameters Parameters { get; }

    /// <summary>How the payload was carried.</summary>
    public PayloadEncoding Encoding { get; }

    /// <summary>The payload bytes (see remarks).</summary>
    public ReadOnlySequence<byte> Payload { get; }
}
