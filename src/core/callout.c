/* stub: being written */
typedef int na_stub_unit_;
