using System.CommandLine;
using System.Net;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Serve;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Cli;

/// <summary><c>processfarm serve [IMAGE] [--port P] [--mode ...] [--workers N]</c>: the interactive preview in a browser.</summary>
internal static class ServeCommand
{
    private static readonly Argument<string?> s_image = new("IMAGE")
    {
        Description = "A JPEG or PNG to open [default: the built-in, generated photo-like sample]; a file whose name starts with '-' goes after --",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<int> s_port = OptionValues.Int(new Option<int>("--port", "-p")
    {
        Description = "TCP port (0: any free port)",
        HelpName = "PORT",
        DefaultValueFactory = _ => 8080,
    }, min: 0, max: 65535);

    private static readonly Option<string> s_host = new("--host")
    {
        Description = "Address to listen on: 127.0.0.1 keeps the page on this machine",
        HelpName = "ADDRESS",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    private static readonly Option<string> s_mode = OptionValues.OneOf(new Option<string>("--mode", "-m")
    {
        Description = "The mode the page starts in (the page can switch): serial, threads, pipe, shm, or cluster (this coordinator's silo, see --listen; the page then lists the nodes, and --workers is per node)",
        HelpName = "MODE",
        DefaultValueFactory = _ => "threads",
    }, ExecutionModes.WithCluster);

    public static Command Create()
    {
        var workers = CommonOptions.Workers();
        var command = new Command("serve", "Serve the interactive exposure/gamma preview (sliders, mode and worker pickers) on a local web page")
        {
            s_image, s_port, s_host, s_mode, workers, CommonOptions.Ev, CommonOptions.Gamma, CommonOptions.MaxPixels, CommonOptions.SampleSize,
            CommonOptions.InFlight, CommonOptions.JobTimeoutMs, CommonOptions.MaxRestarts, CommonOptions.MaxJobAttempts, CommonOptions.ShmDirectory, CommonOptions.WorkerPath, CommonOptions.Verbose,
        };
        foreach (var option in ClusterOptions.All)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, workers, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, Option<int> workersOption, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var log = LineLogger.For(parse.InvocationConfiguration.Error, parse.GetValue(CommonOptions.Verbose), cancellationToken);
        string? path = parse.GetValue(s_image);
        long maxPixels = parse.GetValue(CommonOptions.MaxPixels);
        PixelBuffer image;
        ImageHeader header;
        string name;
        if (path is null)
        {
            var geometry = parse.GetValue(CommonOptions.SampleSize) ?? SampleImage.DefaultGeometry;
            image = PixelBuffer.Allocate(geometry);
            SampleImage.Generate(image);
            header = ImageHeader.ForPixels(geometry);
            name = $"sample {geometry}";
        }
        else
        {
            image = ImageFile.DecodeInput(path, maxPixels, PixelBuffer.Allocate, out header);
            name = Path.GetFileName(path);
        }

        var defaults = new RenderRequest(parse.GetValue(CommonOptions.Ev), parse.GetValue(CommonOptions.Gamma), ExecutionModes.Parse(parse.GetValue(s_mode)!), parse.GetValue(workersOption));
        string host = parse.GetValue(s_host)!;
        int port = parse.GetValue(s_port);
        if (!IPAddress.TryParse(host, out var address))
        {
            image.Dispose();
            throw CommandLineException.Usage($"--host: '{host}' is not an IP address (use 127.0.0.1, ::1 or 0.0.0.0)");
        }
        // The farm outlives the session (declared first, disposed last): the session's cluster engine uses its nodes.
        ClusterOptions.RefuseUnlessClustered(parse, defaults.Mode == ExecutionMode.Cluster);
        ClusterFarm? startedFarm = null;
        try
        {
            startedFarm = defaults.Mode == ExecutionMode.Cluster ? await ClusterOptions.StartFarmAsync(parse, log, cancellationToken) : null;
        }
        catch
        {
            image.Dispose();
            throw;
        }
        await using var farm = startedFarm;
        await using var session = PreviewSession.Create(image, header, name, (mode, workers) => mode == ExecutionMode.Cluster
            ? ClusterOptions.CreateEngine(farm!, workers, parse, log)
            : CommonOptions.CreateEngine(mode, workers, parse, log), maxPixels);
        PreviewServer server;
        try
        {
            server = await PreviewServer.StartAsync(session, defaults, address, port, cancellationToken, farm);
        }
        catch (IOException e)
        {
            throw CommandLineException.Environment($"--port: cannot listen on {host}:{port}: {e.Message}", e);
        }
        await using var serving = server;
        string workers = defaults.Mode switch
        {
            ExecutionMode.Cluster => $"up to {defaults.Workers} workers per node on {farm!.LiveNodes.Count} nodes, {farm.Link}",
            ExecutionMode.Pipe or ExecutionMode.Shm => $"{defaults.Workers} workers",
            _ => $"{defaults.Workers} threads",
        };
        output.WriteLine($"processfarm serve: {server.Address} ({name}, {defaults.Mode.Name()} with {workers}); Ctrl+C stops");
        output.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: the normal way to stop a server. The pool and the region go with the session.
        }
        output.WriteLine("processfarm serve: stopped");
        return ExitCode.Success;
    }
}
