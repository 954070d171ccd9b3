using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>Per-tile work for <see cref="ParallelTileIterator"/>; a struct so the loop inlines it.</summary>
internal interface ITileOperation
{
    void Invoke(in Tile tile);
}
