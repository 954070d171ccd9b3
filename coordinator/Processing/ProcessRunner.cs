using System.Diagnostics;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>
/// decode (or generate) → the mode's LUT pass → encode → atomic write, with worker start-up overlapped with
/// decoding. The output path holds the old file or the whole new one, never a part.
/// </summary>
internal static class ProcessRunner
{
    public static async Task<ProcessReport> RunAsync(ProcessRequest request, IExecutionEngine engine, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var format = ImageFile.RequireOutputFormat(request.OutputPath);
        var starting = engine.StartAsync(cancellationToken);
        IRowSource? source = null;
        ImageDecoder? decoder = null;
        try
        {
            if (request.Stream)
            {
                if (request.InputPath is null)
                {
                    source = new SampleRowSource(request.SampleGeometry);
                }
                else
                {
                    decoder = ImageFile.OpenInput(request.InputPath, request.MaxPixels);
                    if (!decoder.Info.RequiresWholeImage) // an interlaced PNG cannot be read in bands: it goes whole
                    {
                        source = new DecoderRowSource(decoder, request.InputPath);
                    }
                }
            }
        }
        catch
        {
            decoder?.Dispose();
            await ObserveAsync(starting);
            throw;
        }

        using (decoder)
        {
            return source is null
                ? await RunWholeAsync(request, engine, decoder, format, started, starting, cancellationToken)
                : await RunStreamingAsync(request, engine, source, format, started, cancellationToken);
        }
    }

    /// <summary>Decodes or generates strip by strip while earlier strips are in the kernel and the encoder.</summary>
    private static async Task<ProcessReport> RunStreamingAsync(ProcessRequest request, IExecutionEngine engine, IRowSource source, ImageFormat format, long started, CancellationToken cancellationToken)
    {
        var geometry = source.Geometry;
        var plan = StripPlan.For(geometry, engine, request.StripRows, request.TileRows);
        using var encoder = ImageEncoder.Begin(format, geometry.Width, geometry.Height, geometry.Channels, request.Quality);
        var stats = await StripPipeline.RunAsync(source, encoder, engine, request.Parameters, plan, cancellationToken);
        long finishStarted = Stopwatch.GetTimestamp();
        Write(request.OutputPath, encoder, cancellationToken);
        double finishMs = Stopwatch.GetElapsedTime(finishStarted).TotalMilliseconds;

        return Report(request, engine, geometry, stats.Engine, plan.TileRows, started) with
        {
            DecodeMs = stats.DecodeMs,
            ProcessMs = stats.ProcessMs,
            EncodeMs = stats.EncodeMs + finishMs,
            KernelThroughputGbps = geometry.ByteLength / (stats.ProcessMs / 1e3) / 1e9,
            Streamed = true,
            Strips = stats.Strips,
            StripRows = plan.StripRows,
            PixelMemoryBytes = stats.RingBytes,
            FirstStripMs = stats.FirstStripMs,
        };
    }

    /// <summary>The whole-image path (<c>--no-stream</c>, and interlaced PNGs): decode all, run all, encode all.</summary>
    private static async Task<ProcessReport> RunWholeAsync(ProcessRequest request, IExecutionEngine engine, ImageDecoder? decoder, ImageFormat format, long started, Task starting, CancellationToken cancellationToken)
    {
        PixelBuffer image;
        try
        {
            image = decoder is null ? LoadInput(request, engine) : DecodeOpened(decoder, request.InputPath!, engine.CreateImage);
        }
        catch
        {
            await ObserveAsync(starting);
            throw;
        }

        using (image)
        {
            double decodeMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            cancellationToken.ThrowIfCancellationRequested();
            await starting;

            var geometry = image.Geometry;
            var layout = new TileLayout(geometry, request.ResolveTileRows(geometry, engine));
            long processStarted = Stopwatch.GetTimestamp();
            var stats = await engine.RunAsync(image, layout, request.Parameters, cancellationToken);
            double processMs = Stopwatch.GetElapsedTime(processStarted).TotalMilliseconds;

            long encodeStarted = Stopwatch.GetTimestamp();
            using (var encoder = ImageEncoder.Begin(format, geometry.Width, geometry.Height, geometry.Channels, request.Quality))
            {
                encoder.WriteRows(engine.ResultOf(image).Span, geometry.RowBytes, geometry.Height);
                Write(request.OutputPath, encoder, cancellationToken);
            }
            double encodeMs = Stopwatch.GetElapsedTime(encodeStarted).TotalMilliseconds;

            return Report(request, engine, geometry, stats, engine.Mode == ExecutionMode.Serial ? geometry.Height : layout.TileRows, started) with
            {
                DecodeMs = decodeMs,
                ProcessMs = processMs,
                EncodeMs = encodeMs,
                KernelThroughputGbps = geometry.ByteLength / (processMs / 1e3) / 1e9,
                PixelMemoryBytes = engine.ResultOf(image) == image ? geometry.ByteLength : 2 * geometry.ByteLength,
            };
        }
    }

    /// <summary>Finishes the encode and writes the file atomically, unless the run was interrupted (then nothing is written).</summary>
    private static void Write(string outputPath, ImageEncoder encoder, CancellationToken cancellationToken)
    {
        var encoded = encoder.Finish();
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            OutputTemporaries.SweepStale(Path.GetDirectoryName(Path.GetFullPath(outputPath)) ?? ".");
            ImageFile.WriteAtomically(outputPath, encoded);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write the output '{outputPath}': {e.Message}", e);
        }
    }

    /// <summary>The report fields both paths fill the same way; the caller sets the timings.</summary>
    private static ProcessReport Report(ProcessRequest request, IExecutionEngine engine, ImageGeometry geometry, EngineRunStats stats, int tileRows, long started) => new()
    {
        Input = request.InputPath is null ? $"sample {request.SampleGeometry} (built in, photo-like)" : Path.GetFullPath(request.InputPath),
        Output = Path.GetFullPath(request.OutputPath),
        Mode = engine.Mode.Name(),
        Workers = engine.Workers,
        Width = geometry.Width,
        Height = geometry.Height,
        Channels = geometry.Channels,
        PixelBytes = geometry.ByteLength,
        Tiles = stats.Tiles,
        TileRows = tileRows,
        Kernel = LookupTable.BestKernel.ToString(),
        Ev = request.Parameters.Ev,
        Gamma = request.Parameters.Gamma,
        DecodeMs = 0,
        ProcessMs = 0,
        EncodeMs = 0,
        TotalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        WorkerStartMs = engine.WorkerStartMs,
        KernelMs = stats.KernelMs,
        KernelThroughputGbps = 0,
        SerializeMs = stats.SerializeMs,
        DeserializeMs = stats.DeserializeMs,
        WorkerTotalMs = stats.WorkerTotalMs,
        TransferMs = stats.TransferMs,
        SetupMs = stats.SetupMs,
        PixelCopies = engine.PixelCopies,
        // The command's true counts, deaths during start-up included (the supervisor's, not this run's).
        WorkerDeaths = engine.WorkerStats?.Deaths ?? 0,
        WorkersReplaced = engine.WorkerStats?.Replacements ?? 0,
        TilesRetried = engine.WorkerStats?.JobsRetried ?? 0,
        PixelMemoryBytes = 0,
        PeakRssBytes = PeakResidentBytes(),
    };

    /// <summary>This process's peak resident set (VmHWM), or 0 where /proc does not say.</summary>
    public static long PeakResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // Not Linux's /proc: the figure is simply absent.
        }
        return 0;
    }

    /// <summary>Decodes the input into a buffer the engine chose, or generates the sample there.</summary>
    private static PixelBuffer LoadInput(ProcessRequest request, IExecutionEngine engine)
    {
        if (request.InputPath is null)
        {
            var sample = engine.CreateImage(request.SampleGeometry);
            SampleImage.Generate(sample);
            return sample;
        }

        return ImageFile.DecodeInput(request.InputPath, request.MaxPixels, engine.CreateImage);
    }

    /// <summary>Decodes the rest of an opened input (an interlaced PNG, which cannot be streamed).</summary>
    private static PixelBuffer DecodeOpened(ImageDecoder decoder, string path, Func<ImageGeometry, PixelBuffer> allocate)
    {
        try
        {
            return ImageFile.DecodeAll(decoder, allocate);
        }
        catch (InvalidImageException e)
        {
            throw ImageFile.Invalid(path, e);
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is WorkerFailedException or OperationCanceledException or Shared.SharedMemory.SharedMemoryException)
        {
            // The input failed first; that is the error to report.
        }
    }
}
