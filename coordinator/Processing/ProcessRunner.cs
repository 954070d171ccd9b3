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
        ImageFile.RequireOutputFormat(request.OutputPath);
        var starting = engine.StartAsync(cancellationToken);
        IRowSource? source = null;
        IImageReader? reader = null;
        ImageHeader header;
        double openMs = 0;
        try
        {
            if (request.InputPath is null)
            {
                header = ImageHeader.ForPixels(request.SampleGeometry);
                source = request.Stream ? new SampleRowSource(request.SampleGeometry) : null;
            }
            else
            {
                reader = ImageFile.OpenInput(request.InputPath, request.MaxPixels, request.Codec);
                header = reader.Header;
                openMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds; // ImageSharp decodes here, whole
                // An interlaced PNG cannot be read in bands, and a palette image has no pixels for the kernel.
                if (request.Stream && !reader.RequiresWholeImage && header.Palette is null)
                {
                    source = new DecoderRowSource(reader, request.InputPath);
                }
            }
        }
        catch
        {
            reader?.Dispose();
            await ObserveAsync(starting);
            throw;
        }

        using (reader)
        {
            if (header.Palette is not null)
            {
                return await RunPaletteAsync(request, engine, reader!, started, openMs, starting, cancellationToken);
            }
            return source is null
                ? await RunWholeAsync(request, engine, reader, header, started, starting, cancellationToken)
                : await RunStreamingAsync(request, engine, source, header, started, openMs, cancellationToken);
        }
    }

    /// <summary>Decodes or generates strip by strip while earlier strips are in the kernel and the encoder.</summary>
    private static async Task<ProcessReport> RunStreamingAsync(ProcessRequest request, IExecutionEngine engine, IRowSource source, ImageHeader header, long started, double openMs, CancellationToken cancellationToken)
    {
        var geometry = source.Geometry;
        var plan = StripPlan.For(geometry, engine, request.StripRows, request.TileRows);
        using var writer = ImageCodecs.CreateWriter(request.OutputPath, header, request.Codec, request.Quality);
        var stats = await StripPipeline.RunAsync(source, writer, engine, request.Parameters, plan, cancellationToken);
        long finishStarted = Stopwatch.GetTimestamp();
        Write(request.OutputPath, writer, cancellationToken);
        double finishMs = Stopwatch.GetElapsedTime(finishStarted).TotalMilliseconds;

        return Report(request, engine, header, writer, stats.Engine, plan.TileRows, started) with
        {
            DecodeMs = openMs + stats.DecodeMs,
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
    private static async Task<ProcessReport> RunWholeAsync(ProcessRequest request, IExecutionEngine engine, IImageReader? reader, ImageHeader header, long started, Task starting, CancellationToken cancellationToken)
    {
        PixelBuffer image;
        try
        {
            image = reader is null ? LoadSample(request, engine) : DecodeOpened(reader, request.InputPath!, engine.CreateImage);
            reader?.Dispose(); // all its rows are in the image now: ImageSharp's copy need not live through the encode
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
            using var writer = ImageCodecs.CreateWriter(request.OutputPath, header, request.Codec, request.Quality);
            writer.WriteRows(engine.ResultOf(image).Span, geometry.RowBytes, geometry.Height);
            Write(request.OutputPath, writer, cancellationToken);
            double encodeMs = Stopwatch.GetElapsedTime(encodeStarted).TotalMilliseconds;

            return Report(request, engine, header, writer, stats, engine.Mode == ExecutionMode.Serial ? geometry.Height : layout.TileRows, started) with
            {
                DecodeMs = decodeMs,
                ProcessMs = processMs,
                EncodeMs = encodeMs,
                KernelThroughputGbps = geometry.ByteLength / (processMs / 1e3) / 1e9,
                PixelMemoryBytes = engine.ResultOf(image) == image ? geometry.ByteLength : 2 * geometry.ByteLength,
            };
        }
    }

    /// <summary>
    /// A palette PNG: the curve goes to its palette (exact, and the same in every mode: a few hundred values, no
    /// pixel to hand out), and its indices are copied band by band from the decoder to the encoder.
    /// </summary>
    private static async Task<ProcessReport> RunPaletteAsync(ProcessRequest request, IExecutionEngine engine, IImageReader reader, long started, double openMs, Task starting, CancellationToken cancellationToken)
    {
        var header = reader.Header;
        var geometry = header.Geometry;
        long processStarted = Stopwatch.GetTimestamp();
        var output = ImageFile.OutputHeader(header, LookupTable.Create(request.Parameters));
        double processMs = Stopwatch.GetElapsedTime(processStarted).TotalMilliseconds;
        double decodeMs = openMs, encodeMs = 0;
        using (var writer = ImageCodecs.CreateWriter(request.OutputPath, output, request.Codec, request.Quality))
        {
            int band = reader.RequiresWholeImage ? geometry.Height : Math.Clamp((1 << 20) / geometry.RowBytes, 1, geometry.Height);
            using var indices = PixelBuffer.Allocate(geometry.WithHeight(band));
            for (int done = 0; done < geometry.Height; done += band)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int rows = Math.Min(band, geometry.Height - done);
                long t0 = Stopwatch.GetTimestamp();
                try
                {
                    ImageFile.RequireRows(reader, indices.Span, geometry.RowBytes, rows);
                }
                catch (InvalidImageException e)
                {
                    await ObserveAsync(starting);
                    throw ImageFile.Invalid(request.InputPath!, e);
                }
                long t1 = Stopwatch.GetTimestamp();
                writer.WriteRows(indices.Span, geometry.RowBytes, rows);
                decodeMs += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                encodeMs += Stopwatch.GetElapsedTime(t1).TotalMilliseconds;
            }
            long finishStarted = Stopwatch.GetTimestamp();
            Write(request.OutputPath, writer, cancellationToken);
            encodeMs += Stopwatch.GetElapsedTime(finishStarted).TotalMilliseconds;
            await ObserveAsync(starting);
            return Report(request, engine, header, writer, EngineRunStats.Zero, geometry.Height, started) with
            {
                DecodeMs = decodeMs,
                ProcessMs = processMs,
                EncodeMs = encodeMs,
                PixelMemoryBytes = indices.Geometry.ByteLength,
                Notes = [.. Notes(header), $"palette of {header.Palette!.Count} colours: the curve went to the palette, the indices were copied (the mode had no pixels to run)"],
            };
        }
    }

    /// <summary>Finishes the encode and writes the file atomically, unless the run was interrupted (then nothing is written).</summary>
    private static void Write(string outputPath, IImageWriter writer, CancellationToken cancellationToken)
    {
        var encoded = writer.Finish();
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
    private static ProcessReport Report(ProcessRequest request, IExecutionEngine engine, ImageHeader header, IImageWriter writer, EngineRunStats stats, int tileRows, long started) => new()
    {
        Bits = header.Geometry.Bits,
        Format = header.Format == FileFormat.Unknown ? "generated" : ImageFormats.Name(header.Format),
        Codecs = $"{header.Codec} -> {writer.Codec}",
        Kept = Kept(header, request.OutputPath),
        Notes = Notes(header),
        Input = request.InputPath is null ? $"sample {request.SampleGeometry} (built in, photo-like)" : Path.GetFullPath(request.InputPath),
        Output = Path.GetFullPath(request.OutputPath),
        Mode = engine.Mode.Name(),
        Workers = engine.Workers,
        Transport = engine switch
        {
            Cluster.RpcTileEngine => "rpc",
            { Mode: ExecutionMode.Cluster } => "frames",
            _ => null,
        },
        Width = header.Geometry.Width,
        Height = header.Geometry.Height,
        Channels = header.Geometry.Channels,
        PixelBytes = header.Geometry.ByteLength,
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

    /// <summary>What of the input's metadata goes to the output ("EXIF (orientation 6), ICC profile, XMP"), or "nothing".</summary>
    private static string Kept(ImageHeader header, string outputPath)
    {
        var metadata = header.Metadata;
        var kept = new List<string>();
        if (metadata.Exif is not null)
        {
            kept.Add($"EXIF (orientation {metadata.Orientation})");
        }
        if (metadata.Icc is not null)
        {
            kept.Add("ICC profile");
        }
        if (metadata.Xmp is not null)
        {
            kept.Add("XMP");
        }
        var format = ImageFormats.FromExtension(outputPath);
        if (kept.Count > 0 && format is FileFormat.Gif or FileFormat.Bmp or FileFormat.Tga or FileFormat.Pbm)
        {
            return $"nothing: {ImageFormats.Name(format)} has no place for {string.Join(", ", kept)}";
        }
        return kept.Count == 0 ? "no metadata to keep" : string.Join(", ", kept);
    }

    private static string[] Notes(ImageHeader header) => header.Note is { } note ? [note] : [];

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

    /// <summary>Generates the sample in a buffer the engine chose.</summary>
    private static PixelBuffer LoadSample(ProcessRequest request, IExecutionEngine engine)
    {
        var sample = engine.CreateImage(request.SampleGeometry);
        SampleImage.Generate(sample);
        return sample;
    }

    /// <summary>Decodes the rest of an opened input into a buffer the engine chose.</summary>
    private static PixelBuffer DecodeOpened(IImageReader reader, string path, Func<ImageGeometry, PixelBuffer> allocate)
    {
        try
        {
            return ImageFile.DecodeAll(reader, allocate);
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
