using System.Buffers;
using System.Text;
using MessagePack;
using ProcessFarm.Shared.MessagePack;

namespace ProcessFarm.Shared.Protocol;

/// <summary>The two frames that carry work and its outcome: Job and Result, and their payloads.</summary>
public static partial class FrameReader
{
    private static readonly JobKind[] s_kinds = Enum.GetValues<JobKind>();

    /// <summary>Parses Job; the payload slices <paramref name="body"/>.</summary>
    /// <exception cref="ProtocolException">
    /// Malformed; UnknownKind for a kind the protocol does not define; InvalidArgument for a missing or out-of-range
    /// parameter or a payload of the wrong type for the kind.
    /// </exception>
    public static JobRequest ReadJob(ReadOnlySequence<byte> body) => Parse(body, MessageType.Job, 5, static (ref MessagePackReader r) =>
    {
        ulong id = ReadUnsigned(ref r, ulong.MaxValue, "Job's id");
        var kind = ReadKind(ref r);
        var parameters = JobParameters.Read(kind, ref r);
        var encoding = ReadPayload(ref r, out var payload);
        bool allowed = parameters.Payload switch
        {
            PayloadRule.Nil => encoding == PayloadEncoding.None,
            PayloadRule.Bin => encoding == PayloadEncoding.Binary,
            _ => true,
        };
        if (!allowed)
        {
            string expected = parameters.Payload == PayloadRule.Bin ? "a bin" : "nil";
            throw new ProtocolException(ErrorCode.InvalidArgument, $"a {Encoding.UTF8.GetString(JobParameters.WireName(kind))} job's payload must be {expected}");
        }
        return new JobRequest(id, parameters, encoding, payload);
    });

    /// <summary>Parses Result; the payload slices <paramref name="body"/>.</summary>
    public static JobResult ReadResult(ReadOnlySequence<byte> body) => Parse(body, MessageType.Result, 4, static (ref MessagePackReader r) =>
    {
        ulong id = ReadUnsigned(ref r, ulong.MaxValue, "Result's id");
        var encoding = ReadPayload(ref r, out var payload);
        double kernelUs = 0, totalUs = 0;
        if (r.NextMessagePackType != MessagePackType.Map)
        {
            throw Malformed($"Result's timings must be a map, not {MessagePackReading.Describe(r.NextMessagePackType)}.");
        }
        for (int pairs = r.ReadMapHeader(); pairs > 0; pairs--)
        {
            if (r.NextMessagePackType != MessagePackType.String)
            {
                throw Malformed("Result's timings keys must be str.");
            }
            var key = r.ReadStringSequence()!.Value;
            if (Is(key, "kernel_us"u8))
            {
                kernelUs = r.ReadDouble();
            }
            else if (Is(key, "total_us"u8))
            {
                totalUs = r.ReadDouble();
            }
            else
            {
                MessagePackReading.SkipValue(ref r, ProtocolLimits.MaxDepth);
            }
        }
        long kernelNs = (long)(kernelUs * 1000), totalNs = (long)(totalUs * 1000);
        return new JobResult(id, new WorkerTimings(kernelNs, totalNs), encoding, payload);
    });

    private static JobKind ReadKind(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            throw Malformed($"A job's kind must be a str, not {MessagePackReading.Describe(reader.NextMessagePackType)}.");
        }
        var name = reader.ReadStringSequence()!.Value;
        foreach (var kind in s_kinds)
        {
            if (Is(name, JobParameters.WireName(kind)))
            {
                return kind;
            }
        }
        string shown = name.Length > 64 ? "(a long name)" : Encoding.UTF8.GetString(name);
        throw new ProtocolException(ErrorCode.UnknownKind, $"Unknown job kind '{shown}'; expected lut, lut_region, echo, echo_region, fib, file or file_bytes.");
    }

    private static PayloadEncoding ReadPayload(ref MessagePackReader reader, out ReadOnlySequence<byte> payload)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                payload = default;
                return PayloadEncoding.None;
            case MessagePackType.Binary:
                payload = reader.ReadBytes()!.Value;
                return PayloadEncoding.Binary;
            default:
                var start = reader.Position;
                MessagePackReading.SkipValue(ref reader, ProtocolLimits.MaxDepth); // validates the whole value, nesting limit included
                payload = reader.Sequence.Slice(start, reader.Position);
                return PayloadEncoding.Value;
        }
    }
}
