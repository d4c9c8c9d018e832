#include "net/partial_budget.hpp"

#include <gtest/gtest.h>

namespace kinesyslog::net {
namespace {

using Slot = PartialBudget::Slot;

TEST(PartialBudget, CountsWhatEachSlotHoldsNow) {
  PartialBudget budget(100);
  Slot a, b;
  budget.update(a, 30, 1);
  budget.update(b, 20, 1);
  budget.update(a, 60, 1);  // the same item grew
  EXPECT_EQ(budget.held_bytes(), 80u);
  EXPECT_EQ(budget.oldest_over_limit(), nullptr);
  budget.remove(b);
  budget.remove(b);  // removing twice is harmless
  EXPECT_EQ(budget.held_bytes(), 60u);
  budget.update(a, 0, 1);
  EXPECT_EQ(budget.held_bytes(), 0u);
}

TEST(PartialBudget, OverTheLimitTheOldestItemComesFirst) {
  PartialBudget budget(100);
  Slot first, second, third;
  budget.update(first, 40, 1);
  budget.update(second, 40, 1);
  EXPECT_EQ(budget.oldest_over_limit(), nullptr);
  budget.update(third, 40, 1);
  EXPECT_EQ(budget.oldest_over_limit(), &first);
  budget.remove(first);  // what the loop does once it has let that item go
  EXPECT_EQ(budget.oldest_over_limit(), nullptr);
  budget.update(second, 70, 1);
  EXPECT_EQ(budget.oldest_over_limit(), &second);
}

TEST(PartialBudget, ANewItemInTheSameSlotIsTheNewest) {
  PartialBudget budget(100);
  Slot early, later;
  budget.update(early, 50, 1);
  budget.update(later, 50, 1);
  budget.update(early, 10, 2);  // its first item was finished, a new one began after `later`'s
  budget.update(later, 95, 1);
  EXPECT_EQ(budget.oldest_over_limit(), &later);
  budget.remove(later);
  EXPECT_EQ(budget.held_bytes(), 10u);
  EXPECT_EQ(budget.oldest_over_limit(), nullptr);
}

TEST(PartialBudget, EvictingOldestFirstEndsUnderTheLimit) {
  PartialBudget budget(250);
  Slot slots[10];
  for (auto& slot : slots) budget.update(slot, 100, 1);
  int evicted = 0;
  while (Slot* oldest = budget.oldest_over_limit()) {
    EXPECT_EQ(oldest, &slots[evicted]);
    budget.remove(*oldest);
    ++evicted;
  }
  EXPECT_EQ(evicted, 8);
  EXPECT_EQ(budget.held_bytes(), 200u);
}

}  // namespace
}  // namespace kinesyslog::net
