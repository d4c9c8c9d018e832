#include "deliver/record_packer.hpp"

namespace kinesyslog::deliver {

void RecordPacker::add(size_t length) {
  if (starts_new_record(length)) {
    packed_.push_back(PackedRecord{end_, length, added_, 1});
  } else {
    packed_.back().length += length;
    ++packed_.back().count;
  }
  end_ += length;
  ++added_;
}

void RecordPacker::clear() {
  packed_.clear();
  added_ = 0;
  end_ = 0;
}

}  // namespace kinesyslog::deliver
