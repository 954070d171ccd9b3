using System.Buffers;
using System.Diagnostics;
using MessagePack;
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
        switch (job.Parameters)
        {
            case LutTileParameters tile:
                ExecuteLut(job, tile, replies, started);
                break;
            case LutRegionParameters region:
                ExecuteLutInRegion(job.Id, region, replies, started);
                break;
            case EchoRegionParameters descriptor:
                ExecuteEchoInRegion(job.Id, descriptor, replies, started);
                break;
            case FibParameters fib:
                ExecuteFib(job.Id, fib, replies, started);
                break;
            case FileJobParameters file:
                ExecuteFile(job.Id, file, replies, started);
                break;
            case FileBytesJobParameters file:
                ExecuteFileBytes(job, file, replies, started);
                break;
            default:
                ExecuteEcho(job, replies, started);
                break;
        }
    }

    public void Attach(AttachRequest attach, FrameWriter replies)
    {
        long started = Stopwatch.GetTimestamp();
        SharedRegion region;
        try
        {
            region = SharedRegion.Open(attach.Path, attach.Size);
        }
        catch (SharedMemoryException e)
        {
            // The previous mapping, if any, stays: an Attach that fails changes nothing.
            throw new ProtocolException(ErrorCode.RegionInvalid, e.Message, e);
        }
        region.Prefault();
        _region?.Dispose();
        _region = region;
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
        frames.WriteJob(1, new LutTileParameters(0.5, 1.2, new TileShape(1024, 1, 4)), tile);
        frames.WriteJob(2, EchoParameters.Instance, tile);
        frames.WriteJob(3, new FibParameters(5));
        byte[] structured = [0x92, 0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0x92, 0x01, 0xa1, (byte)'x'];
        frames.BeginJob(4, EchoParameters.Instance, PayloadEncoding.Value, structured.Length);
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

    private void ExecuteLut(in JobRequest job, LutTileParameters tile, FrameWriter replies, long started)
    {
        var lut = GetLut(tile.Ev, tile.Gamma);
        if (tile.Shape.Bytes != job.Payload.Length)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument,
                $"the tile {tile.Shape.Width} x {tile.Shape.Rows} x {tile.Shape.Channels} ({tile.Shape.Bits}-bit) is {tile.Shape.Bytes} bytes, but its payload has {job.Payload.Length}");
        }

        // The kernel reads the received bytes and writes straight into the reply: no staging copy. It works on
        // whole pixels, so the few bytes of a pixel that straddles two received segments go through a scratch.
        var layout = tile.Shape.Layout;
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

    private void ExecuteLutInRegion(ulong id, LutRegionParameters job, FrameWriter replies, long started)
    {
        var lut = GetLut(job.Ev, job.Gamma);
        var region = _region ?? throw new ProtocolException(ErrorCode.NotAttached, "a shared-memory job arrived before Attach");
        long length = job.Shape.Bytes;
        if (!region.Contains(job.Offset, length) || !region.Contains(job.OutputOffset, length))
        {
            throw new ProtocolException(ErrorCode.OutOfRange,
                $"the tile [{job.Offset}, +{length}) -> {job.OutputOffset} is outside the {region.DataBytes}-byte data area");
        }
        if (job.OutputOffset != job.Offset && Math.Abs(job.OutputOffset - job.Offset) < length)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument,
                $"the source [{job.Offset}, +{length}) and output at {job.OutputOffset} overlap; they must be equal or disjoint");
        }

        long before = Stopwatch.GetTimestamp();
        lut.Apply(region.GetSpan(job.Offset, (int)length), region.GetSpan(job.OutputOffset, (int)length), job.Shape.Layout);
        long kernelNs = ElapsedNs(before);
        replies.WriteResult(id, new WorkerTimings(kernelNs, ElapsedNs(started)));
    }

    private void ExecuteEchoInRegion(ulong id, EchoRegionParameters job, FrameWriter replies, long started)
    {
        var region = _region ?? throw new ProtocolException(ErrorCode.NotAttached, "a shared-memory job arrived before Attach");
        if (!region.Contains(job.Offset, job.Length))
        {
            throw new ProtocolException(ErrorCode.OutOfRange, $"the descriptor [{job.Offset}, +{job.Length}) is outside the {region.DataBytes}-byte data area");
        }
        replies.WriteResult(id, new WorkerTimings(0, ElapsedNs(started)));
    }

    private void ExecuteEcho(in JobRequest job, FrameWriter replies, long started)
    {
        var payload = job.Payload;
        if (job.Encoding == PayloadEncoding.Value)
        {
            // Structured data is decoded and encoded again token by token, as a real peer would; the frame's
            // length must precede it, so the re-encoding is staged in a reused buffer.
            long before = Stopwatch.GetTimestamp();
            _scratch.ResetWrittenCount();
            // The frame reader validated the value already (structure and nesting), so this cannot fail on it.
            var reader = new MessagePackReader(payload);
            var writer = new MessagePackWriter(_scratch);
            MessagePackTranscoder.Transcode(ref reader, ref writer, ProtocolLimits.MaxDepth);
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

    private static void ExecuteFib(ulong id, FibParameters job, FrameWriter replies, long started)
    {
        long before = Stopwatch.GetTimestamp();
        long value = Fibonacci.Compute(job.N);
        long kernelNs = ElapsedNs(before);
        var scratch = new ArrayBufferWriter<byte>(16);
        var writer = new MessagePackWriter(scratch);
        writer.Write(value);
        writer.Flush();
        replies.BeginResult(id, PayloadEncoding.Value, scratch.WrittenCount);
        replies.Output.Write(scratch.WrittenSpan);
        replies.EndResult(new WorkerTimings(kernelNs, ElapsedNs(started)));
    }

    /// <summary>
    /// A whole file: decode, LUT and encode band by band on this thread, written atomically. A bad input or an
    /// unwritable output is this job's error, not the worker's: the reply says which and the worker serves on.
    /// </summary>
    private void ExecuteFile(ulong id, FileJobParameters job, FrameWriter replies, long started)
    {
        var lut = GetLut(job.Ev, job.Gamma);
        FileTransformResult done;
        try
        {
            done = ImageFile.Transform(job.InputPath, job.OutputPath, lut, new TransformOptions(job.Quality, job.MaxPixels, job.Codec));
        }
        catch (Exception e) when (ImageFile.DescribeTransformFailure(e) is { } problem)
        {
            throw TransformFailure(e, problem);
        }

        var scratch = new ArrayBufferWriter<byte>(128);
        var writer = new MessagePackWriter(scratch);
        new FileJobResult(done.Geometry.Width, done.Geometry.Height, done.Geometry.Channels, done.BytesWritten, done.DecodeNs, done.KernelNs, done.EncodeNs).Write(ref writer);
        writer.Flush();
        replies.BeginResult(id, PayloadEncoding.Value, scratch.WrittenCount);
        replies.Output.Write(scratch.WrittenSpan);
        replies.EndResult(new WorkerTimings(done.KernelNs, ElapsedNs(started)));
    }

    /// <summary>
    /// A whole file carried in the frame, for a node that shares no storage with its coordinator: decoded from
    /// the received bytes and encoded to memory, band by band as a file job, and the encoded output sent back in
    /// the Result. The worker writes no file, so nothing of a job is left on the node, whatever stops it.
    /// </summary>
    private void ExecuteFileBytes(in JobRequest job, FileBytesJobParameters parameters, FrameWriter replies, long started)
    {
        if (job.Payload.Length > parameters.MaxBytes)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"the input is {job.Payload.Length} bytes, over max_bytes ({parameters.MaxBytes})");
        }
        var lut = GetLut(parameters.Ev, parameters.Gamma);

        // The decoders read one whole array; the received frame may lie in several segments, so it is copied once
        // (a few milliseconds for a 12 MP JPEG against a decode of about a hundred, docs/RESULTS.md).
        byte[] input = job.Payload.ToArray();
        EncodedImage encoded;
        try
        {
            encoded = ImageFile.Encode(input, parameters.OutputExtension, lut, new TransformOptions(parameters.Quality, parameters.MaxPixels, parameters.Codec));
        }
        catch (Exception e) when (ImageFile.DescribeTransformFailure(e) is { } problem)
        {
            throw TransformFailure(e, problem);
        }
        using (encoded)
        {
            var output = encoded.Bytes;
            if (output.Length > parameters.MaxBytes)
            {
                throw new ProtocolException(ErrorCode.OutputFailed, $"the encoded output is {output.Length} bytes, over max_bytes ({parameters.MaxBytes})");
            }
            var done = encoded.Result;
            var scratch = new ArrayBufferWriter<byte>(160);
            var writer = new MessagePackWriter(scratch);
            new FileJobResult(done.Geometry.Width, done.Geometry.Height, done.Geometry.Channels, output.Length, done.DecodeNs, done.KernelNs, done.EncodeNs)
                .WriteUpToOutput(ref writer, output.Length);
            writer.Flush();
            replies.BeginResult(job.Id, PayloadEncoding.Value, scratch.WrittenCount + output.Length);
            replies.Output.Write(scratch.WrittenSpan);
            replies.WritePayload(output);
            replies.EndResult(new WorkerTimings(done.KernelNs, ElapsedNs(started)));
        }
    }

    /// <summary>A file job's failure as its Error: the input's, the output's, or an output format nobody writes.</summary>
    private static ProtocolException TransformFailure(Exception error, string problem) => new(
        error switch
        {
            OutputException => ErrorCode.OutputFailed,
            OutputFormatException => ErrorCode.InvalidArgument,
            _ => ErrorCode.InvalidInput,
        },
        problem,
        error);

    /// <summary>The table for ev and gamma (which the frame reader checked); the last one is kept for the next job.</summary>
    private LookupTable GetLut(double ev, double gamma)
    {
        var parameters = new LutParameters(ev, gamma);
        if (_lut is null || _lut.Parameters != parameters)
        {
            _lut = LookupTable.Create(parameters);
        }
        return _lut;
    }

    private static long ElapsedNs(long since) => TicksToNs(Stopwatch.GetTimestamp() - since);

    private static long TicksToNs(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

    public void Dispose() => _region?.Dispose();
}
