namespace ProcessFarm.Coordinator.Processing;

/// <summary>How a batch spreads its files over the mode's threads or workers.</summary>
internal enum BatchStrategy
{
    /// <summary>
    /// Whole files: each thread or worker decodes, processes and encodes its own file. In pipe and shm modes only
    /// the paths travel (the article's "send the data's location instead of the data").
    /// </summary>
    Files,

    /// <summary>One file after another, each streamed strip by strip through the mode, as a single <c>process</c> would.</summary>
    Strips,
}
