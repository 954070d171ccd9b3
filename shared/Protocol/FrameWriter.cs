using System.Buffers;
using System.Buffers.Binary;
using MessagePack;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// Writes length-prefixed frames (docs/PROTOCOL.md, "Framing") to an output such as a <c>PipeWriter</c>.
/// Counterpart of <see cref="FrameReader"/>.
/// </summary>
/// <remarks>
/// Each frame's fixed part is encoded into a small scratch buffer first, so the 4-byte length can be written
/// before it and the payload streamed after it without patching. Not thread-safe: one writer per connection,
/// used by one sender at a time. Nothing is flushed; the caller flushes the output. Values are written with
/// MessagePack-CSharp's <see cref="MessagePackWriter"/>; the framing, the message layout and the payload bypass are
/// this protocol's own, which no library provides.
/// </remarks>
public sealed class FrameWriter
{
    private readonly IBufferWriter<byte> _output;
    private readonly PayloadBypass? _bypass;
    private readonly ArrayBufferWriter<byte> _scratch = new(256);

    /// <summary>Writes frames to <paramref name="output"/>.</summary>
    public FrameWriter(IBufferWriter<byte> output)
        : this(output, null)
    {
    }

    /// <summary>
    /// Writes frames to <paramref name="output"/>; payloads of <see cref="BypassThresholdBytes"/> or more go to
    /// <paramref name="bypass"/> instead of being copied into the output's buffers.
    /// </summary>
    public FrameWriter(IBufferWriter<byte> output, PayloadBypass? bypass)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _bypass = bypass;
    }

    /// <summary>
    /// Writes payload bytes straight to the transport, after first sending everything the output holds so the
    /// stream stays in order: a copy saved for a large payload (a worker echoing what it received, say).
    /// </summary>
    public delegate void PayloadBypass(ReadOnlySpan<byte> payload);

    /// <summary>Payloads from this size on take the bypass, when there is one.</summary>
    public const int BypassThresholdBytes = 64 * 1024;

    /// <summary>The output frames go to.</summary>
    public IBufferWriter<byte> Output => _output;

    /// <summary>Writes Challenge: <c>[10, nonce]</c>.</summary>
    public void WriteChallenge(ReadOnlySpan<byte> nonce)
    {
        var writer = Begin(MessageType.Challenge, 2);
        writer.Write(nonce);
        End(ref writer, 0);
    }

    /// <summary>Writes Hello: <c>[1, version, worker_id, pid, proof, kernel, nonce]</c>.</summary>
    public void WriteHello(HelloMessage hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        var writer = Begin(MessageType.Hello, 7);
        writer.Write(hello.Version);
        writer.Write(hello.WorkerId);
        writer.Write(hello.ProcessId);
        writer.Write(hello.Proof);
        writer.Write(hello.Kernel);
        writer.Write(hello.Nonce);
        End(ref writer, 0);
    }

    /// <summary>Writes Welcome: <c>[2, version, proof]</c>.</summary>
    public void WriteWelcome(WelcomeMessage welcome)
    {
        ArgumentNullException.ThrowIfNull(welcome);
        var writer = Begin(MessageType.Welcome, 3);
        writer.Write(welcome.Version);
        writer.Write(welcome.Proof);
        End(ref writer, 0);
    }

    /// <summary>Writes Error: <c>[5, job_id | nil, code, message]</c>.</summary>
    public void WriteError(ErrorMessage error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var writer = Begin(MessageType.Error, 4);
        if (error.JobId is ulong id)
        {
            writer.Write(id);
        }
        else
        {
            writer.WriteNil();
        }
        writer.Write((uint)error.Code);
        writer.Write(error.Message);
        End(ref writer, 0);
    }

    /// <summary>Writes Shutdown: <c>[6]</c>.</summary>
    public void WriteShutdown()
    {
        var writer = Begin(MessageType.Shutdown, 1);
        End(ref writer, 0);
    }

    /// <summary>Writes Attach: <c>[7, job_id, path, size]</c>.</summary>
    public void WriteAttach(AttachRequest attach) => WriteMapping(MessageType.Attach, attach);

    /// <summary>Writes Channel: <c>[8, job_id, path, size]</c>, the same fields as Attach.</summary>
    public void WriteChannel(AttachRequest channel) => WriteMapping(MessageType.Channel, channel);

    /// <summary>Writes Wake: <c>[9]</c>.</summary>
    public void WriteWake()
    {
        var writer = Begin(MessageType.Wake, 1);
        End(ref writer, 0);
    }

    private void WriteMapping(MessageType type, AttachRequest mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        var writer = Begin(type, 4);
        writer.Write(mapping.JobId);
        writer.Write(mapping.Path);
        writer.Write(mapping.Size);
        End(ref writer, 0);
    }

    /// <summary>
    /// Writes a Job frame up to its payload: <c>[3, id, kind, params, payload]</c>. The caller then writes
    /// exactly <paramref name="payloadBytes"/> bytes to <see cref="Output"/>: the raw bytes for
    /// <see cref="PayloadEncoding.Binary"/> (the bin header is already written), one encoded MessagePack value
    /// for <see cref="PayloadEncoding.Value"/>, nothing for <see cref="PayloadEncoding.None"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The encoding is not one the job's kind takes (<see cref="JobParameters.Payload"/>).</exception>
    public void BeginJob(ulong id, JobParameters parameters, PayloadEncoding encoding, int payloadBytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        bool allowed = parameters.Payload switch
        {
            PayloadRule.Nil => encoding == PayloadEncoding.None,
            PayloadRule.Bin => encoding == PayloadEncoding.Binary,
            _ => true,
        };
        if (!allowed)
        {
            throw new ArgumentException($"A {parameters.Kind} job does not carry a {encoding} payload.", nameof(encoding));
        }
        var writer = Begin(MessageType.Job, 5);
        writer.Write(id);
        writer.WriteString(JobParameters.WireName(parameters.Kind));
        parameters.Write(ref writer);
        End(ref writer, WritePayloadHeader(ref writer, encoding, payloadBytes));
    }

    /// <summary>Writes a whole Job frame whose payload is raw bytes carried as a bin.</summary>
    public void WriteJob(ulong id, JobParameters parameters, ReadOnlySpan<byte> payload)
    {
        BeginJob(id, parameters, PayloadEncoding.Binary, payload.Length);
        WritePayload(payload);
    }

    /// <summary>
    /// Copies payload bytes to <see cref="Output"/> in chunks of up to <see cref="PipeTransport.BufferBytes"/>, so a
    /// large tile takes a few large segments instead of many small ones.
    /// </summary>
    public void WritePayload(ReadOnlySpan<byte> payload)
    {
        if (_bypass is not null && payload.Length >= BypassThresholdBytes)
        {
            _bypass(payload);
            return;
        }
        while (!payload.IsEmpty)
        {
            var span = _output.GetSpan(Math.Min(payload.Length, PipeTransport.BufferBytes));
            int chunk = Math.Min(payload.Length, span.Length);
            payload[..chunk].CopyTo(span);
            _output.Advance(chunk);
            payload = payload[chunk..];
        }
    }

    /// <summary>Writes a whole Job frame with a nil payload (shared-memory, fib and file jobs).</summary>
    public void WriteJob(ulong id, JobParameters parameters) =>
        BeginJob(id, parameters, PayloadEncoding.None, 0);

    /// <summary>
    /// Bytes of the timings map that ends every Result: its values are float 64, so its size never varies and
    /// the frame's length can be written before the worker has run the job.
    /// </summary>
    public const int TimingsTrailerSize = 1 + 10 + 9 + 9 + 9;

    /// <summary>
    /// Writes a Result frame up to its payload: <c>[4, id, payload, timings]</c>. The caller writes the payload
    /// as for <see cref="BeginJob"/>, then calls <see cref="EndResult"/>.
    /// </summary>
    public void BeginResult(ulong id, PayloadEncoding encoding, int payloadBytes)
    {
        var writer = Begin(MessageType.Result, 4);
        writer.Write(id);
        End(ref writer, WritePayloadHeader(ref writer, encoding, payloadBytes) + TimingsTrailerSize);
    }

    /// <summary>Ends a Result frame begun with <see cref="BeginResult"/> with the worker's timings.</summary>
    public void EndResult(WorkerTimings timings)
    {
        var writer = new MessagePackWriter(_output);
        writer.WriteMapHeader(2);
        writer.WriteString("kernel_us"u8);
        writer.Write(timings.KernelNs / 1000.0);
        writer.WriteString("total_us"u8);
        writer.Write(timings.TotalNs / 1000.0);
        writer.Flush();
    }

    /// <summary>Writes a whole Result frame without payload.</summary>
    public void WriteResult(ulong id, WorkerTimings timings)
    {
        BeginResult(id, PayloadEncoding.None, 0);
        EndResult(timings);
    }

    private static int WritePayloadHeader(ref MessagePackWriter writer, PayloadEncoding encoding, int payloadBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadBytes);
        switch (encoding)
        {
            case PayloadEncoding.None:
                writer.WriteNil();
                return 0;
            case PayloadEncoding.Binary:
                WriteBinHeader(ref writer, payloadBytes);
                return payloadBytes;
            default:
                ArgumentOutOfRangeException.ThrowIfZero(payloadBytes);
                return payloadBytes;
        }
    }

    /// <summary>
    /// A bin header alone, the bytes the library's <c>WriteBinHeader</c> writes. Kept by hand because the library's
    /// reserves room for the payload too (length + 5 bytes, so that a payload written next is contiguous); here the
    /// payload goes to the output or the socket on its own, and that reservation made the small header buffer grow to
    /// the size of the tile on every frame (66 KB allocated per 64 KiB tile, measured in CodecBenchmarks).
    /// </summary>
    internal static void WriteBinHeader(ref MessagePackWriter writer, int length)
    {
        var span = writer.GetSpan(5);
        if (length <= byte.MaxValue)
        {
            span[0] = MessagePackCode.Bin8;
            span[1] = (byte)length;
            writer.Advance(2);
        }
        else if (length <= ushort.MaxValue)
        {
            span[0] = MessagePackCode.Bin16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            writer.Advance(3);
        }
        else
        {
            span[0] = MessagePackCode.Bin32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            writer.Advance(5);
        }
    }

    private MessagePackWriter Begin(MessageType type, uint fieldCount)
    {
        _scratch.ResetWrittenCount();
        var writer = new MessagePackWriter(_scratch);
        writer.WriteArrayHeader(fieldCount);
        writer.Write((uint)type);
        return writer;
    }

    private void End(ref MessagePackWriter writer, int trailingBytes)
    {
        writer.Flush();
        long bodyLength = (long)_scratch.WrittenCount + trailingBytes;
        if (bodyLength > ProtocolLimits.MaxFrameBytes)
        {
            throw new ProtocolException(ErrorCode.FrameTooLarge, $"A frame of {bodyLength} bytes exceeds the limit of {ProtocolLimits.MaxFrameBytes}.");
        }
        var prefix = _output.GetSpan(ProtocolLimits.FrameHeaderSize + _scratch.WrittenCount);
        BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)bodyLength);
        _scratch.WrittenSpan.CopyTo(prefix[ProtocolLimits.FrameHeaderSize..]);
        _output.Advance(ProtocolLimits.FrameHeaderSize + _scratch.WrittenCount);
    }
}
