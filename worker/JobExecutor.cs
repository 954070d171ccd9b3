using System.Buffers;
using System.Diagnostics;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.MessagePack;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;
using ProcessFarm.Shared.Workloads;

namespace ProcessFarm.Worker;

/// <summary>Runs jobs and writes their replies. Holds the worker's state: the last LUT and the attached region.</summary>
internal sealed class JobExecutor : IDisposable
{
    private readonly ArrayBufferWriter<byte> _scratch = new(1 << 16);
    private LookupTable? _lut;
    private SharedRegion? _region;

    /// <summary>Runs <paramref name="job"/> and writes its reply to <paramref name="replies"/> (the socket's or the channel's).</summary>
    public void Execute(in JobRequest job, FrameWriter replies)
    {
        long started = Stopwatch.GetTimestamp();
        switch (job.Kind)
        {
            case JobKind.Lut when job.Parameters.InRegion:
                ExecuteLutInRegion(job, replies, started);
                break;
            case JobKind.Lut:
                ExecuteLut(job, replies, started);
                break;
            case JobKind.Echo:
                ExecuteEcho(job, replies, started);
                break;
            case JobKind.File:
                ExecuteFile(job, replies, started);
                break;
            default:
                ExecuteFib(job, replies, started);
                break;
        }
    }

    public void Attach(AttachRequest attach, FrameWriter replies)
    {
        long started = Stopwatch.GetTimestamp();
        _region?.Dispose();
        _region = null;
        try
        {
            _region = SharedRegion.Open(attach.Path, attach.Size);
            _region.Prefault();
        }
        catch (SharedMemoryException e)
        {
            throw new ProtocolException(ErrorCode.RegionInvalid, e.Message, e);
        }
        replies.WriteResult(attach.JobId, new WorkerTimings(0, ElapsedNs(started)));
    }

    /// <summary>
    /// Runs one small lut, echo and fib job through the whole parse-execute-reply path into a scratch buffer, so
    /// that the first real jobs do not pay for compiling it. Called once the handshake is done, while the
    /// coordinator is still decoding its image.
    /// </summary>
    public static void WarmUp()
    {
        var scratch = new ArrayBufferWriter<byte>(1 << 16);
        var frames = new FrameWriter(scratch);
        byte[] tile = new byte[4096];
        frames.WriteJob(1, JobKind.Lut, new JobParameters { Ev = 0.5, Gamma = 1.2, Width = 1024, Rows = 1, Channels = 4 }, tile);
        frames.WriteJob(2, JobKind.Echo, default, tile);
        frames.WriteJob(3, JobKind.Fib, new JobParameters { N = 5 });
        byte[] structured = [0x92, 0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0x92, 0x01, 0xa1, (byte)'x'];
        frames.BeginJob(4, JobKind.Echo, default, PayloadEncoding.Value, structured.Length);
        frames.WritePayload(structured);
        var jobs = new ReadOnlySequence<byte>(scratch.WrittenMemory.ToArray());
        var replies = new ArrayBufferWriter<byte>(1 << 16);
        var replyFrames = new FrameWriter(replies);
        using var executor = new JobExecutor();
        while (FrameReader.TryReadFrame(ref jobs, out var body))
        {
            executor.Execute(FrameReader.ReadJob(body), replyFrames);
        }
        var answers = new ReadOnlySequence<byte>(replies.WrittenMemory);
        while (FrameReader.TryReadFrame(ref answers, out var body))
        {
            FrameReader.ReadResult(body);
        }
    }

    private void ExecuteLut(in JobRequest job, FrameWriter replies, long started)
    {
        var lut = GetLut(job);
        if (job.Encoding != PayloadEncoding.Binary)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, "a lut job carries its tile as a bin payload, or an offset and length in the region");
        }
        var layout = CheckGeometry(job.Parameters, job.Payload.Length);

        // The kernel reads the received bytes and writes straight into the reply: no staging copy. It works on
        // whole pixels, so the few bytes of a pixel that straddles two received segments go through a scratch.
        var payload = job.Payload;
        replies.BeginResult(job.Id, PayloadEncoding.Binary, (int)payload.Length);
        long kernelTicks = 0;
        int pixelBytes = layout.BytesPerPixel;
        Span<byte> straddling = stackalloc byte[8];
        while (!payload.IsEmpty)
        {
            scoped ReadOnlySpan<byte> source = payload.FirstSpan;
            var destination = replies.Output.GetSpan(Math.Max(pixelBytes, Math.Min(source.Length, PipeTransport.BufferBytes)));
            int chunk = Math.Min(source.Length, destination.Length) / pixelBytes * pixelBytes;
            if (chunk == 0)
            {
                payload.Slice(0, pixelBytes).CopyTo(straddling);
                source = straddling[..pixelBytes];
                chunk = pixelBytes;
            }
            long before = Stopwatch.GetTimestamp();
            lut.Apply(source[..chunk], destination[..chunk], layout);
            kernelTicks += Stopwatch.GetTimestamp() - before;
            replies.Output.Advance(chunk);
            payload = payload.Slice(chunk);
        }
        replies.EndResult(new WorkerTimings(TicksToNs(kernelTicks), ElapsedNs(started)));
    }

    private void ExecuteLutInRegion(in JobRequest job, FrameWriter replies, long started)
    {
        var lut = GetLut(job);
        var region = _region ?? throw new ProtocolException(ErrorCode.NotAttached, "a shared-memory job arrived before Attach");
        long offset = job.Parameters.Offset!.Value;
        long length = job.Parameters.Length ?? -1;
        long output = job.Parameters.Output ?? offset;
        if (!region.Contains(offset, length) || !region.Contains(output, length) || length > int.MaxValue)
        {
            throw new ProtocolException(ErrorCode.OutOfRange, $"the descriptor [{offset}, +{length}) -> {output} is outside the {region.DataBytes}-byte region");
        }
        if (output != offset && Math.Abs(output - offset) < length)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"the source [{offset}, +{length}) and output at {output} overlap; they must be equal or disjoint");
        }
        var layout = CheckGeometry(job.Parameters, length);

        long before = Stopwatch.GetTimestamp();
        lut.Apply(region.GetSpan(offset, (int)length), region.GetSpan(output, (int)length), layout);
        long kernelNs = ElapsedNs(before);
        replies.WriteResult(job.Id, new WorkerTimings(kernelNs, ElapsedNs(started)));
    }

    private void ExecuteEcho(in JobRequest job, FrameWriter replies, long started)
    {
        if (job.Parameters.InRegion)
        {
            var region = _region ?? throw new ProtocolException(ErrorCode.NotAttached, "a shared-memory job arrived before Attach");
            long offset = job.Parameters.Offset!.Value, length = job.Parameters.Length ?? -1;
            if (!region.Contains(offset, length))
            {
                throw new ProtocolException(ErrorCode.OutOfRange, $"the descriptor [{offset}, +{length}) is outside the {region.DataBytes}-byte region");
            }
            replies.WriteResult(job.Id, new WorkerTimings(0, ElapsedNs(started)));
            return;
        }

        var payload = job.Payload;
        if (job.Encoding == PayloadEncoding.Value)
        {
            // Structured data is decoded and encoded again token by token, as a real peer would; the frame's
            // length must precede it, so the re-encoding is staged in a reused buffer.
            long before = Stopwatch.GetTimestamp();
            _scratch.ResetWrittenCount();
            var reader = new MessagePackReader(payload) { MaxDepth = ProtocolLimits.MaxDepth };
            var writer = new MessagePackWriter(_scratch);
            try
            {
                MessagePackTranscoder.Transcode(ref reader, ref writer);
            }
            catch (MessagePackSerializationException e)
            {
                throw new ProtocolException(ErrorCode.Malformed, e.Message, e);
            }
            writer.Flush();
            long transcodeNs = ElapsedNs(before);
            replies.BeginResult(job.Id, PayloadEncoding.Value, _scratch.WrittenCount);
            replies.WritePayload(_scratch.WrittenSpan);
            replies.EndResult(new WorkerTimings(transcodeNs, ElapsedNs(started)));
            return;
        }

        replies.BeginResult(job.Id, job.Encoding, (int)payload.Length);
        foreach (var segment in payload)
        {
            replies.WritePayload(segment.Span);
        }
        replies.EndResult(new WorkerTimings(0, ElapsedNs(started)));
    }

    private void ExecuteFib(in JobRequest job, FrameWriter replies, long started)
    {
        int n = job.Parameters.N;
        if (n is < 0 or > Fibonacci.MaxN)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"fib needs 0 <= n <= {Fibonacci.MaxN}, not {n}");
        }
        long before = Stopwatch.GetTimestamp();
        long value = Fibonacci.Compute(n);
        long kernelNs = ElapsedNs(before);
        var scratch = new ArrayBufferWriter<byte>(16);
        var writer = new Shared.MessagePack.MessagePackWriter(scratch);
        writer.Write(value);
        writer.Flush();
        replies.BeginResult(job.Id, PayloadEncoding.Value, scratch.WrittenCount);
        replies.Output.Write(scratch.WrittenSpan);
        replies.EndResult(new WorkerTimings(kernelNs, ElapsedNs(started)));
    }

    /// <summary>
    /// A whole file: decode, LUT and encode band by band on this thread, written atomically. A bad input or an
    /// unwritable output is this job's error, not the worker's: the reply says which and the worker serves on.
    /// </summary>
    private void ExecuteFile(in JobRequest job, FrameWriter replies, long started)
    {
        var parameters = job.Parameters;
        var lut = GetLut(job);
        if (string.IsNullOrEmpty(parameters.Input) || string.IsNullOrEmpty(parameters.OutputPath))
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, "a file job needs an input and an output path");
        }
        int quality = parameters.Quality == 0 ? 90 : parameters.Quality;
        if (quality is < 1 or > 100)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"quality must be 1..100, not {quality}");
        }
        long maxPixels = parameters.MaxPixels > 0 ? parameters.MaxPixels : ImageFile.DefaultMaxPixels;
        if (!ImageCodecs.TryParseChoice(parameters.Codec, out var codec))
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"codec must be auto, native or imagesharp, not '{parameters.Codec}'");
        }

        FileTransformResult done;
        try
        {
            done = ImageFile.Transform(parameters.Input, parameters.OutputPath, lut, new TransformOptions(quality, maxPixels, codec));
        }
        catch (Exception e) when (ImageFile.DescribeTransformFailure(e) is { } problem)
        {
            var code = e switch
            {
                OutputException => ErrorCode.OutputFailed,
                OutputFormatException => ErrorCode.InvalidArgument,
                _ => ErrorCode.InvalidInput,
            };
            throw new ProtocolException(code, problem, e);
        }

        var scratch = new ArrayBufferWriter<byte>(128);
        var writer = new Shared.MessagePack.MessagePackWriter(scratch);
        new FileJobResult(done.Geometry.Width, done.Geometry.Height, done.Geometry.Channels, done.BytesWritten, done.DecodeNs, done.KernelNs, done.EncodeNs).Write(ref writer);
        writer.Flush();
        replies.BeginResult(job.Id, PayloadEncoding.Value, scratch.WrittenCount);
        replies.Output.Write(scratch.WrittenSpan);
        replies.EndResult(new WorkerTimings(done.KernelNs, ElapsedNs(started)));
    }

    private LookupTable GetLut(in JobRequest job)
    {
        var parameters = new LutParameters(job.Parameters.Ev, job.Parameters.Gamma);
        if (!parameters.IsValid)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"ev {parameters.Ev} and gamma {parameters.Gamma} must be finite, gamma > 0");
        }
        if (_lut is null || _lut.Parameters != parameters)
        {
            _lut = LookupTable.Create(parameters);
        }
        return _lut;
    }

    private static PixelLayout CheckGeometry(in JobParameters parameters, long bytes)
    {
        var layout = new PixelLayout(parameters.Channels, parameters.Bits == 0 ? 8 : parameters.Bits);
        long expected = (long)parameters.Width * parameters.Rows * layout.BytesPerPixel;
        if (parameters.Width < 1 || parameters.Rows < 1 || !layout.IsValid || expected != bytes)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument,
                $"the tile geometry {parameters.Width}x{parameters.Rows}x{parameters.Channels} ({layout.Bits}-bit) does not match its {bytes} bytes");
        }
        return layout;
    }

    private static long ElapsedNs(long since) => TicksToNs(Stopwatch.GetTimestamp() - since);

    private static long TicksToNs(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

    public void Dispose() => _region?.Dispose();
}
