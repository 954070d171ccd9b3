using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>Runs a tile operation over a layout on N <see cref="DedicatedThreads"/> (the threads mode's shape).</summary>
internal static class ParallelTileIterator
{
    public static void Run<T>(TileLayout layout, int threads, in T operation)
        where T : struct, ITileOperation =>
        DedicatedThreads.Run(layout.Count, threads, "tile", new TileWork<T>(layout, operation));

    private readonly struct TileWork<T>(TileLayout layout, T operation) : IIndexedWork
        where T : struct, ITileOperation
    {
        public void Invoke(int index) => operation.Invoke(layout[index]);
    }
}
