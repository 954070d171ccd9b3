using System.Diagnostics;
using ProcessFarm.Coordinator.Cli;
using ProcessFarm.Coordinator.Execution;
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
        var starting = engine.StartAsync(cancellationToken);

        PixelBuffer image;
        string inputLabel;
        try
        {
            (image, inputLabel) = LoadInput(request, engine);
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
            double workerStartMs = engine is WorkerEngine { Pool: { } pool } ? pool.StartupMs : 0;

            var geometry = image.Geometry;
            var layout = new TileLayout(geometry, request.ResolveTileRows(geometry, engine));
            long processStarted = Stopwatch.GetTimestamp();
            var stats = await engine.RunAsync(image, layout, request.Parameters, cancellationToken);
            double processMs = Stopwatch.GetElapsedTime(processStarted).TotalMilliseconds;

            long encodeStarted = Stopwatch.GetTimestamp();
            using (var encoder = ImageFile.Encode(request.OutputPath, engine.ResultOf(image).Span, geometry, request.Quality))
            {
                var encoded = encoder.Finish();
                cancellationToken.ThrowIfCancellationRequested(); // interrupted: the output is not written at all
                try
                {
                    ImageFile.WriteAtomically(request.OutputPath, encoded);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw CommandLineException.Environment($"cannot write the output '{request.OutputPath}': {e.Message}", e);
                }
            }
            double encodeMs = Stopwatch.GetElapsedTime(encodeStarted).TotalMilliseconds;

            return new ProcessReport
            {
                Input = inputLabel,
                Output = Path.GetFullPath(request.OutputPath),
                Mode = engine.Mode.Name(),
                Workers = engine.Workers,
                Width = geometry.Width,
                Height = geometry.Height,
                Channels = geometry.Channels,
                PixelBytes = geometry.ByteLength,
                Tiles = stats.Tiles,
                TileRows = engine.Mode == ExecutionMode.Serial ? geometry.Height : layout.TileRows,
                Kernel = LookupTable.BestKernel.ToString(),
                Ev = request.Parameters.Ev,
                Gamma = request.Parameters.Gamma,
                DecodeMs = decodeMs,
                ProcessMs = processMs,
                EncodeMs = encodeMs,
                TotalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                WorkerStartMs = workerStartMs,
                KernelMs = stats.KernelMs,
                KernelThroughputGbps = geometry.ByteLength / (processMs / 1e3) / 1e9,
                SerializeMs = stats.SerializeMs,
                DeserializeMs = stats.DeserializeMs,
                WorkerTotalMs = stats.WorkerTotalMs,
                TransferMs = stats.TransferMs,
                SetupMs = stats.SetupMs,
                PixelCopies = engine.PixelCopies,
                WorkersReplaced = stats.WorkersReplaced,
                TilesRetried = stats.TilesRetried,
            };
        }
    }

    /// <summary>Decodes the input into a buffer the engine chose, or generates the sample there.</summary>
    private static (PixelBuffer Image, string Label) LoadInput(ProcessRequest request, IExecutionEngine engine)
    {
        if (request.InputPath is null)
        {
            var sample = engine.CreateImage(request.SampleGeometry);
            SampleImage.Generate(sample);
            return (sample, $"sample {request.SampleGeometry} (built in, photo-like)");
        }

        return (DecodeInput(request.InputPath, request.MaxPixels, engine.CreateImage), Path.GetFullPath(request.InputPath));
    }

    /// <summary>Decodes a whole input file into a buffer from <paramref name="allocate"/>; every way it can fail is an input error.</summary>
    public static PixelBuffer DecodeInput(string path, long maxPixels, Func<ImageGeometry, PixelBuffer> allocate)
    {
        using var decoder = OpenInput(path, maxPixels);
        try
        {
            return ImageFile.DecodeAll(decoder, allocate);
        }
        catch (InvalidImageException e)
        {
            throw CommandLineException.Input($"'{path}': {e.Message}", e);
        }
    }

    /// <summary>Opens an input file, turning every way it can be unusable into an input error.</summary>
    public static ImageDecoder OpenInput(string path, long maxPixels)
    {
        if (Directory.Exists(path))
        {
            throw CommandLineException.Input($"'{path}' is a directory, not an image file");
        }
        try
        {
            return ImageDecoder.Open(path, maxPixels);
        }
        catch (InvalidImageException e)
        {
            throw CommandLineException.Input($"'{path}': {e.Message}", e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw CommandLineException.Input($"'{path}' does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CommandLineException.Input($"cannot read '{path}': {e.Message}", e);
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is CommandLineException or OperationCanceledException)
        {
            // The input failed first; that is the error to report.
        }
    }
}
