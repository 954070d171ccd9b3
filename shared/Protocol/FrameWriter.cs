using System.Buffers;
using System.Buffers.Binary;
using ProcessFarm.Shared.MessagePack;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// Writes length-prefixed frames (docs/PROTOCOL.md, "Framing") to an output such as a <c>PipeWriter</c>.
/// Counterpart of <see cref="FrameReader"/>.
/// </summary>
/// <remarks>
/// Each frame's fixed part is encoded into a small scratch buffer first, so the 4-byte length can be written
/// before it and the payload streamed after it without patching. Not thread-safe: one writer per connection,
/// used by one sender at a time. Nothing is flushed; the caller flushes the output.
/// </remarks>
public sealed class FrameWriter
{
    private static readonly byte[] s_kindLut = "lut"u8.ToArray();
    private static readonly byte[] s_kindEcho = "echo"u8.ToArray();
    private static readonly byte[] s_kindFib = "fib"u8.ToArray();
    private static readonly byte[] s_kindFile = "file"u8.ToArray();

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

    /// <summary>Writes Hello: <c>[1, version, worker_id, pid, secret, kernel]</c>.</summary>
    public void WriteHello(HelloMessage hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        var writer = Begin(MessageType.Hello, 6);
        writer.Write(hello.Version);
        writer.Write(hello.WorkerId);
        writer.Write(hello.ProcessId);
        writer.WriteBin(hello.Secret);
        writer.Write(hello.Kernel);
        End(ref writer, 0);
    }

    /// <summary>Writes Welcome: <c>[2, version]</c>.</summary>
    public void WriteWelcome(uint version)
    {
        var writer = Begin(MessageType.Welcome, 2);
        writer.Write(version);
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
    public void BeginJob(ulong id, JobKind kind, in JobParameters parameters, PayloadEncoding encoding, int payloadBytes)
    {
        var writer = Begin(MessageType.Job, 5);
        writer.Write(id);
        writer.WriteString(kind switch
        {
            JobKind.Lut => s_kindLut,
            JobKind.Echo => s_kindEcho,
            JobKind.File => s_kindFile,
            _ => s_kindFib,
        });
        WriteParameters(ref writer, kind, parameters);
        End(ref writer, WritePayloadHeader(ref writer, encoding, payloadBytes));
    }

    /// <summary>Writes a whole Job frame whose payload is raw bytes carried as a bin.</summary>
    public void WriteJob(ulong id, JobKind kind, in JobParameters parameters, ReadOnlySpan<byte> payload)
    {
        BeginJob(id, kind, parameters, PayloadEncoding.Binary, payload.Length);
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

    /// <summary>Writes a whole Job frame without payload (shared-memory and fib jobs).</summary>
    public void WriteJob(ulong id, JobKind kind, in JobParameters parameters) =>
        BeginJob(id, kind, parameters, PayloadEncoding.None, 0);

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

    private static void WriteParameters(ref MessagePackWriter writer, JobKind kind, in JobParameters parameters)
    {
        uint count = kind switch
        {
            JobKind.Lut => 5u,
            JobKind.Fib => 1u,
            JobKind.File => 6u,
            _ => 0u,
        };
        if (parameters.InRegion)
        {
            count += parameters.Output.HasValue ? 3u : 2u;
        }
        bool bits = kind == JobKind.Lut && parameters.Bits is not (0 or 8);
        bool codec = kind == JobKind.File && parameters.Codec is not null;
        count += (bits ? 1u : 0u) + (codec ? 1u : 0u);
        writer.WriteMapHeader(count);
        if (bits)
        {
            writer.WriteString("bits"u8);
            writer.Write(parameters.Bits);
        }
        if (codec)
        {
            writer.WriteString("codec"u8);
            writer.Write(parameters.Codec);
        }
        if (kind == JobKind.Lut)
        {
            writer.WriteString("ev"u8);
            writer.Write(parameters.Ev);
            writer.WriteString("gamma"u8);
            writer.Write(parameters.Gamma);
            writer.WriteString("width"u8);
            writer.Write(parameters.Width);
            writer.WriteString("rows"u8);
            writer.Write(parameters.Rows);
            writer.WriteString("channels"u8);
            writer.Write(parameters.Channels);
        }
        else if (kind == JobKind.Fib)
        {
            writer.WriteString("n"u8);
            writer.Write(parameters.N);
        }
        else if (kind == JobKind.File)
        {
            writer.WriteString("ev"u8);
            writer.Write(parameters.Ev);
            writer.WriteString("gamma"u8);
            writer.Write(parameters.Gamma);
            writer.WriteString("input"u8);
            writer.Write(parameters.Input ?? string.Empty);
            writer.WriteString("output"u8);
            writer.Write(parameters.OutputPath ?? string.Empty);
            writer.WriteString("quality"u8);
            writer.Write(parameters.Quality);
            writer.WriteString("max_pixels"u8);
            writer.Write(parameters.MaxPixels);
        }
        if (parameters.InRegion)
        {
            writer.WriteString("offset"u8);
            writer.Write(parameters.Offset!.Value);
            writer.WriteString("length"u8);
            writer.Write(parameters.Length ?? 0);
            if (parameters.Output is long output)
            {
                writer.WriteString("output"u8);
                writer.Write(output);
            }
        }
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
                writer.WriteBinHeader((uint)payloadBytes);
                return payloadBytes;
            default:
                ArgumentOutOfRangeException.ThrowIfZero(payloadBytes);
                return payloadBytes;
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
